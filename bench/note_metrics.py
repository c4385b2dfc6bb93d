"""Facts, placement and voice of a drafted note, for bench/note_quality.py.

Definitions (each per note, then the mean over notes; the bench's docstring repeats
them):

- person: share of statements in the first or second person: I, me, my, mine,
  myself, you, your, yours, yourself and their contractions (in patient instructions,
  written to the patient, only the first person counts). "We will ..." is the
  clinician's plural, which notes use, and is not counted.
- conversational: share of statements with spoken-conversation words (let's, go
  ahead, okay, alright, yeah, gonna, um, you know, kind of, thank you, hi, please...),
  an exam command (take a deep breath, sit up, lie back, squeeze my fingers...), or
  ending in a question mark.
- fragments: number of statements under 4 words (numbering and citations removed)
  that are not a finding: no number, no drug, no negation, no symptom or sign of the
  drafter's finding list, no word of a diagnosis ("-itis", "-osis", "fracture",
  "hypertension", ...).
- misplaced: share of the draft's statements whose cited turns are aligned to
  reference sentences (reference.py: token overlap, at least half the sentence's
  content words) and whose draft section's group (history, examination and results,
  assessment and plan) is none of those reference sentences' groups. Statements
  whose turns no reference sentence rests on are not counted either way. A
  medications section whose template asks for the new, changed or stopped
  medicines (a discharge summary's, patient instructions') is both the history's
  and the plan's; so is a history section that asks for the diagnosis (a discharge
  summary's reason for admission: "presenting problem and admitting diagnosis").
- fact recall: of the facts in the reference note that the transcript also holds,
  the share found in the draft: numbers with a unit ("20 mg", "124/80", "45%",
  "3 weeks"; all of their numbers in the draft), drug names (brand and generic
  folded), and sides with what they qualify ("right knee": that side within three
  words before that word in the draft).
- allergy/medication confusions: number of statements naming a drug the transcript
  says the patient is allergic to, in a medication section without saying allergy;
  plus statements in an allergy section that say nothing of an allergy or reaction.
- A&P missing: notes whose reference has an assessment or plan and whose draft lacks
  an assessment or a plan: the section that takes the assessment, or the one that
  takes the plan (the drafter's own fallback: an ED note's plan is written under its
  assessment), empty or "Not discussed.". A template with neither (discharge) is not
  counted. (The bench's first line also gives "A&P sections empty": the share of
  notes with any section of the assessment-and-plan group empty, a disposition or a
  return-precautions section included.)
"""

from __future__ import annotations

import re

from templates_app.generation import verify
from templates_app.generation.offline.classify import section_categories
from templates_app.generation.offline.lexicon import FINDINGS
from templates_app.generation.offline.reference import turn_places

PERSON = re.compile(
    r"\b(i|i'm|i've|i'd|i'll|me|my|mine|myself|you|your|you're|you've|you'll|you'd|"
    r"yours|yourself)\b",
    re.I,
)
FIRST_PERSON = re.compile(r"\b(i|i'm|i've|i'd|i'll|me|my|mine|myself)\b", re.I)
CONVERSATIONAL = re.compile(
    r"\b(let's|let me|go ahead|okay|ok|alright|all right|yeah|yep|yup|gonna|wanna|"
    r"um|uh|you know|kind of|sort of|hey|thank you|thanks|hi|hello|bye|good morning|"
    r"nice to (?:meet|see)|gotcha|mm-hmm|uh-huh|oh|wow|awesome|please|"
    r"take a (?:deep|big) breath|breathe in|sit up|lie (?:back|down)|look (?:up|at me)|"
    r"squeeze|push against|follow my finger|open your mouth|say ah|socks off|"
    r"hop up|scoot)\b|\?\s*$",
    re.I,
)
DIAGNOSIS_WORD = re.compile(
    r"(itis|osis|emia|pathy|ectomy|algia|oma|ism|iasis|plasty|scopy|graphy|gram|uria|"
    r"pnea|tension|betes|trophy|plegia|cardia|fracture|sprain|strain|infection|"
    r"disease|syndrome|disorder|injury|cancer|asthma|copd|gerd|reflux|allerg|"
    r"failure|stenosis|tear|lesion|nodule|mass|anxiety|depression|insomnia|obesity|"
    r"annual|follow-up|visit|exam|stable|normal|clear|tender|negative|positive)\b"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|a few|several|couple)"
    r"(?: or \w+)? (?:days?|weeks?|months?|years?|hours?)\b",
    re.I,
)
NEGATION = re.compile(r"^(denies|no|not|negative|without|none)\b", re.I)
UNIT_FACT = re.compile(
    r"\b(\d+(?:\.\d+)?(?:/\d+(?:\.\d+)?)?)\s*(mg|mcg|milligrams?|micrograms?|g|grams?|"
    r"ml|units?|%|percent|mmhg|bpm|degrees|°|lbs?|pounds|kg|cm|mm|weeks?|days?|"
    r"months?|years?|hours?|minutes?|times|puffs?|tablets?|beats)\b"
    r"|\b(\d{2,3}/\d{2,3})\b",
    re.I,
)
SIDE_FACT = re.compile(
    r"\b(left|right|bilateral)\s+(?:(?:lower|upper|medial|lateral|distal|proximal|"
    r"anterior|posterior|palpable|non|side|sided|greater|inner|outer)\W+)*([a-z]{3,})\b",
    re.I,
)
ALLERGY_WORDS = re.compile(
    r"\b(allerg\w*|reaction|hives|anaphyla\w*|intoleran\w*|nkda|no known|sensitiv\w*|"
    r"rash)\b",
    re.I,
)
GROUP_OF_PLACE = {
    "complaint": "history", "hpi": "history", "ros": "history",
    "past_history": "history", "medications": "history", "allergies": "history",
    "exam": "exam", "results": "exam",
    "assessment": "assessment_plan", "plan": "assessment_plan",
    "instructions": "assessment_plan",
}  # fmt: skip
EXAM_CATS = {"exam", "results"}
AP_CATS = {"assessment", "plan", "followup", "disposition", "warnings", "procedure",
           "complication"}  # fmt: skip


def ap_sections(template: dict) -> set[str]:
    """The keys of the sections that take the assessment and the plan, if any."""
    from templates_app.generation.base import SectionSpec
    from templates_app.generation.offline.classify import section_owners
    from templates_app.generation.offline.placing import FALLBACK

    owner = section_owners(
        tuple(SectionSpec(s["key"], s["title"]) for s in template["sections"])
    )
    out = set()
    for category in ("assessment", "plan"):
        for candidate in (category, *FALLBACK.get(category, ())):
            if candidate in owner:
                out.add(owner[candidate])
                break
    return out


def section_group(spec: dict) -> str:
    from templates_app.generation.base import SectionSpec

    cats = section_categories(SectionSpec(spec["key"], spec["title"]))
    own = cats[0] if cats else "history"
    if own in EXAM_CATS:
        return "exam"
    if own in AP_CATS:
        return "assessment_plan"
    return "history"


CHANGED = re.compile(r"\b(?:new|changed|stopped)\b", re.I)
DIAGNOSIS = re.compile(r"\bdiagnos[ie]s\b", re.I)


def section_groups(spec: dict) -> set[str]:
    """The groups a statement may belong to in this section (see misplaced)."""
    group = section_group(spec)
    from templates_app.generation.base import SectionSpec

    cats = section_categories(SectionSpec(spec["key"], spec["title"]))
    if cats[:1] == ("medications",) and CHANGED.search(spec.get("instructions", "")):
        return {group, "assessment_plan"}
    if DIAGNOSIS.search(spec.get("instructions", "")):  # "... and admitting diagnosis"
        return {group, "assessment_plan"}
    return {group}


def _bare(statement: str) -> str:
    text = re.sub(r"\s+([.,;:])", r"\1", verify.CITATION.sub("", statement)).strip()
    return re.sub(r"^\d+[.)]\s*", "", text)


def is_person(statement: str, *, patient_facing: bool = False) -> bool:
    pattern = FIRST_PERSON if patient_facing else PERSON
    return bool(pattern.search(_bare(statement).replace("’", "'")))


def is_conversational(statement: str) -> bool:
    return bool(CONVERSATIONAL.search(_bare(statement).replace("’", "'")))


def is_finding(text: str) -> bool:
    low = text.lower()
    return bool(
        re.search(r"\d", low)
        or NEGATION.match(low)
        or DIAGNOSIS_WORD.search(low)
        or any(re.search(rf"\b{re.escape(f)}\b", low) for f in FINDINGS)
        or verify.drugs(text)
    )


def is_fragment(statement: str) -> bool:
    text = _bare(statement)
    return len(re.findall(r"[A-Za-z0-9']+", text)) < 4 and not is_finding(text)


def facts(reference: str, transcript: str) -> list[tuple[str, object]]:
    """The reference's facts that the transcript also holds: (kind, value)."""
    said_numbers = verify.numbers(transcript, spoken=True)
    out: list[tuple[str, object]] = []
    for match in UNIT_FACT.finditer(reference):
        value = match.group(1) or match.group(3)
        parts = frozenset(float(p) for p in value.split("/"))
        if parts <= said_numbers:
            out.append(("number", parts))
    said_drugs = verify.drugs(transcript)
    out += [("drug", d) for d in sorted(verify.drugs(reference) & said_drugs)]
    low = transcript.lower()
    for match in SIDE_FACT.finditer(reference):
        side, what = match.group(1).lower(), match.group(2).lower()
        if side in low and verify.stem(what) in low:
            out.append(("side", (side, verify.stem(what))))
    return list(dict.fromkeys(out))


def fact_found(fact: tuple[str, object], draft: str) -> bool:
    kind, value = fact
    if kind == "number":
        return value <= verify.numbers(draft)
    if kind == "drug":
        return value in verify.drugs(draft)
    side, what = value
    low = draft.lower().replace("bilaterally", "bilateral")
    near = r"(?:\W+\w+){0,4}?\W+"
    return bool(
        re.search(rf"\b{side}\b{near}{re.escape(what)}", low)
        or re.search(rf"\b{re.escape(what)}\w*{near}{side}\b", low)
    )


def allergens(turns: dict[int, str]) -> set[str]:
    out: set[str] = set()
    for text in turns.values():
        if re.search(r"\ballerg", text, re.I):
            out |= verify.drugs(text)
    return out


def confusions(template: dict, sections: dict[str, str], turns: dict[int, str]) -> int:
    bad = allergens(turns)
    count = 0
    for spec in template["sections"]:
        key = spec["key"]
        lines = [s for s in sections.get(key, "").splitlines() if s.strip()]
        lines = [s for s in lines if _bare(s) != "Not discussed."]
        if "allerg" in key:
            count += sum(1 for s in lines if not ALLERGY_WORDS.search(_bare(s)))
        elif "medic" in key:
            count += sum(
                1
                for s in lines
                if verify.drugs(_bare(s)) & bad and not ALLERGY_WORDS.search(_bare(s))
            )
    return count


def misplaced(
    template: dict, sections: dict[str, str], turns: dict[int, str], reference: str
) -> tuple[int, int]:
    """(misplaced, counted) statements of the draft (see the module docstring)."""
    places = turn_places(reference, turns)
    wrong = counted = 0
    for spec in template["sections"]:
        group = section_groups(spec)
        for line in sections.get(spec["key"], "").splitlines():
            seqs = verify.CITATION.findall(line)
            if not seqs:
                continue
            cited = verify.citation_seqs(",".join(seqs))
            groups = {GROUP_OF_PLACE[p] for s in cited for p in places.get(s, {})}
            if not groups:
                continue
            counted += 1
            wrong += not group & groups
    return wrong, counted
