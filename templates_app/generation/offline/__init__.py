"""The embedded default engine: a deterministic clinical drafter.

It organises what was said into statements; it does not write clinical reasoning.
The transcript is split into utterances (dialogue.py), turned into third-person
statements with their categories and citations (statements.py, walking the visit's
phases of phases.py), and each statement is filed under the template section that takes its category (classify.py): one
statement a line, each citing the segments it came from (`[S12]`, `[S3, S7]`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

from templates_app.generation.base import (
    DraftEvent,
    DraftRequest,
    SectionFinished,
    SectionSpec,
    SectionStarted,
    Segment,
    TextDelta,
    Usage,
)
from templates_app.generation.offline import (
    attending,
    facts,
    language,
    patient_voice,
    placement,
    voice,
)
from templates_app.generation.offline.classify import (
    classify,
    section_categories,
    section_owners,
)
from templates_app.generation.offline.companion import companion_of
from templates_app.generation.offline.dialogue import infer_roles, utterances
from templates_app.generation.offline.lexicon import (
    DIAGNOSES,
    EXAM_CATEGORIES,
    HISTORY_CATEGORIES,
    PLAN_CATEGORIES,
    PRIORITY,
)
from templates_app.generation.offline.medications import (
    _about_allergy,
    _plan_medicines,
    _tidy_allergies,
    _tidy_medications,
    drug_acted_on,
)
from templates_app.generation.offline.names import names_said
from templates_app.generation.offline.phases import dictated_finding
from templates_app.generation.offline.placing import section_for as _section_for
from templates_app.generation.offline.statements import Statement, draft_statements
from templates_app.generation.verify_negation import affirmed_in, denied_items

__all__ = [
    "NOT_DISCUSSED",
    "OfflineEngine",
    "classify",
    "draft_sections",
    "file_statements",
    "section_categories",
]

NOT_DISCUSSED = "Not discussed."
MAX_COMPLAINT = 2
FOR_PROBLEM = re.compile(
    r"^(?:for|regarding|as for) (?:his|her|their|the patient's|the) [^,]{3,60}, ", re.I
)
INTRODUCED = re.compile(
    r"^(?:for|regarding|as for) (?:his|her|their|the patient's|the) (?:(?:first|second|"
    r"third|fourth|next|last|other) )?(?:problem|issue),? [^,]{3,60}, ",
    re.I,
)
SIGNPOST = (
    r"^(?:for|regarding|as for) (?:his|her|their|the patient's|the) (?:(?:first|second|"
    r"third|fourth|next|last|other) )?(?:problem|issue) "
)
SUMMARY = re.compile(
    r"\b\d+[- ]year[- ]old\b.*\b(with|who|here for|presents|presenting|comes in)\b",
    re.I,
)
AGE_SEX = re.compile(
    r"\b\d+[- ]years?[- ]old,? (female|woman|lady|girl|male|man|gentleman|boy)\b"
)
_FEMALE = re.compile(
    r"\b(she|her|herself|hers|mrs|ms|miss|female|woman|lady|girl|ma'am)\b"
)
_MALE = re.compile(r"\b(he|him|his|himself|mr|male|man|gentleman|guy|boy|sir)\b")


def patient_gender(segments: tuple[Segment, ...]) -> str | None:
    """'female' or 'male' if the clinician's words say so clearly, else None."""
    roles = infer_roles(segments)
    text = " ".join(s.text.lower() for s in segments if roles[s.seq] != "patient")
    stated = AGE_SEX.search(text)  # "a 58-year-old male": said outright
    if stated:
        return (
            "female"
            if stated.group(1) in {"female", "woman", "lady", "girl"}
            else "male"
        )
    female, male = len(_FEMALE.findall(text)), len(_MALE.findall(text))
    if female >= 2 and female >= 2 * male:
        return "female"
    if male >= 2 and male >= 2 * female:
        return "male"
    return None


def file_statements(
    sections: tuple[SectionSpec, ...], segments: tuple[Segment, ...]
) -> dict[str, list[Statement]]:
    """Every statement of the transcript under the section that takes it."""
    filed: dict[str, list[Statement]] = {spec.key: [] for spec in sections}
    if not sections:
        return filed
    owner = section_owners(sections)
    gender = patient_gender(segments)
    roles = infer_roles(segments)
    made = draft_statements(
        utterances(segments),
        gender=gender,
        companion=companion_of(segments, roles, gender),
    )
    seen: dict[str, Statement] = {}
    said = {s.seq: s.text for s in segments}
    last = max(said, default=1)
    names = names_said(segments)
    for statement in made:
        if not statement.heading:
            polished = voice.polish(statement.text, names=names)
            polished = polished and attending.signable(polished)
            if not polished:
                continue
            statement.text = polished
            statement.category = _placed(statement, said, roles, last)
        key = _section_for(statement.category, owner)
        if key is None:
            continue
        if statement.category == "complaint" and _complaint_full(key, owner, filed):
            key = _section_for("history", owner) or key
        twin = seen.get(statement.text.lower())
        if twin is not None and not statement.heading:
            twin.seqs = tuple(sorted({*twin.seqs, *statement.seqs}))
            continue
        seen[statement.text.lower()] = statement
        filed[key].append(statement)
    _vitals_kept(filed, owner, segments, roles)
    _denials_checked(filed, segments, roles)
    _summary_as_assessment(filed, owner)
    _diagnosis_heads(filed, owner)
    _number_problems(filed, owner)
    _tidy_medications(filed, owner, _allergens(segments))
    _tidy_allergies(filed, owner)
    _plan_medicines(filed, owner)
    # where each category went, a missing section's by FALLBACK (a discharge's
    # history is its hospital course)
    placed = {c: k for c in PRIORITY if (k := _section_for(c, owner))}
    attending.sections_signed(filed, placed, said)
    return filed


DENIAL_LIST = re.compile(r"^Denies (?P<items>[^.;:]+)\.$")


def _denials_checked(filed: dict[str, list[Statement]], segments, roles: dict) -> None:
    """A pertinent negative lists only what the patient's side never affirms: "No
    vomiting. She had diarrhea twice yesterday." is never "Denies vomiting or
    diarrhea." The affirmed item is left out; a denial with nothing left, or whose
    words cannot be split into items, is dropped."""
    told = [s.text for s in segments if roles.get(s.seq) != "clinician"]
    for key, statements in filed.items():
        kept = []
        for statement in statements:
            items = denied_items(statement.text) if not statement.heading else []
            said = [i for i in items if affirmed_in(i, told)]
            listed = DENIAL_LIST.match(statement.text)
            if said and listed:
                left = [i for i in items if i not in said]
                if not left:
                    continue
                joiner = " or " if " or " in listed["items"] else " and "
                head = ", ".join(left[:-1])
                statement.text = (
                    f"Denies {head}{joiner}{left[-1]}."
                    if head
                    else f"Denies {left[0]}."
                )
            elif said and statement.text.startswith("Denies"):
                continue
            kept.append(statement)
        filed[key] = kept


def _allergens(segments: tuple[Segment, ...]) -> set[str]:
    """Drugs named where the transcript speaks of allergy: never a medication."""
    out: set[str] = set()
    for segment in segments:
        if placement.ALLERGY_CONTEXT.search(segment.text):
            out.update(d.lower() for d in language.drugs(segment.text))
    return out


PART = {**{c: "history" for c in HISTORY_CATEGORIES},
        **{c: "exam" for c in EXAM_CATEGORIES}, **{c: "plan" for c in PLAN_CATEGORIES}}  # fmt: skip


# A study's result, and a diagnosis concluded, said among the plan; what is to be done
# (PLAN_VERB) keeps a statement in the plan.
RESULT_SAID = re.compile(
    r"\b(?:x-?rays?|ct|cat scan|mri|ultrasound|echo\w*|ekg|ecg|labs?|blood work|a1c|"
    r"hemoglobin|imaging|scan)\b.{0,60}\b(?:show\w*|reveal\w*|demonstrat\w*|came back|"
    r"(?:is|was|were|are) (?:normal|unremarkable|negative)|no (?:fractures?|bony|"
    r"evidence of))",
    re.I,
)
IMPRESSION = re.compile(
    r"\b(?:probably|most likely|consistent with|suggestive of|diagnosed with)\b", re.I
)
PLAN_VERB = re.compile(
    r"\b(?:will|order\w*|prescrib\w*|refer\w*|start\w*|continu\w*|recommend\w*|"
    r"advised?|schedul\w*|follow[- ]?up (?:in|with|after)|repeat\w*|recheck\w*|plan\w*|consider\w*|"
    r"need\w*|should|take|get)\b",
    re.I,
)


FOLLOW_UP = re.compile(
    r"^(?:advised to |will )?(?:follow[- ]?up|return|come back|see (?:them|him|her) "
    r"back)(?: with (?:me|us|the \w+))? (?:in|after|on) (?:about |approximately )?"
    r"(?:a|an|one|two|three|four|six|\d+) ",
    re.I,
)


def _placed(statement: Statement, said: dict[int, str], roles: dict, last: int) -> str:
    """The learned placement of a statement (placement.category), from its words."""
    first = statement.seqs[0]
    if statement.category in PLAN_CATEGORIES and FOLLOW_UP.match(statement.text):
        return "followup"  # "Follow up in a week.": the next appointment
    if statement.category in PLAN_CATEGORIES and not PLAN_VERB.search(statement.text):
        if RESULT_SAID.search(statement.text):
            return "results"  # "the x-ray of the elbow shows no fracture", at the plan
        if statement.category == "plan" and IMPRESSION.search(statement.text):
            return "assessment"  # "she probably has a medial meniscus strain"
    if statement.category == "medications" and statement.text.startswith("Takes "):
        return "medications"  # the drug the clinician named and the patient confirmed
    if statement.category in EXAM_CATEGORIES and dictated_finding(statement.said):
        return statement.category  # the clinician calling out what is found
    # Its own sentence with its turn: a long dictation's one segment can hold the
    # exam and the plan both.
    turn = " ".join(said.get(seq, "") for seq in statement.seqs)
    return placement.category(
        statement.category,
        PART.get(statement.category, "history"),
        statement.said or turn,
        said.get(first - 1, ""),
        roles.get(statement.seqs[-1]),
        (first - 1) / last,
        segment=turn,
    )


HOME = re.compile(r"\b(?:home|readings?|log|cuff|running|runs|machine|usually)\b", re.I)


def _vitals_kept(
    filed: dict[str, list[Statement]], owner: dict, segments, roles: dict
) -> None:
    """A vital the clinician stated that no statement holds, as one of the exam's."""
    key = _section_for("exam", owner)
    if key is None:
        return
    said = [(s.seq, s.text) for s in segments if roles.get(s.seq) != "patient"]
    exam = {key, _section_for("results", owner)}
    for other in set(filed) - exam:  # the clinician's reading, not one from home
        moved = [
            s
            for s in filed[other]
            if facts.vitals(s.text)
            and not HOME.search(s.text)
            and all(roles.get(seq) != "patient" for seq in s.seqs)
        ]
        filed[other] = [s for s in filed[other] if s not in moved]
        filed[key].extend(moved)
    drafted = [s.text for statements in filed.values() for s in statements]
    for text, seq in facts.vitals_missed(said, drafted):
        filed[key].insert(0, Statement(text, (seq,), "exam"))


def _complaint_full(key: str, owner: dict[str, str], filed: dict) -> bool:
    """The chief complaint takes a line or two; the rest of it is history."""
    own = key == owner.get("complaint") and key != owner.get("history")
    return own and len(filed[key]) >= MAX_COMPLAINT


def _summary_as_assessment(
    filed: dict[str, list[Statement]], owner: dict[str, str]
) -> None:
    """No impression said but a plan made: the clinician's own summary line
    ("a 50-year-old woman with ... who presents for ...") opens the assessment."""
    key, plan = owner.get("assessment"), owner.get("plan")
    if key is None or filed[key] or not filed.get(plan or ""):
        return
    for statements in filed.values():
        for statement in statements:
            if SUMMARY.search(statement.text):
                copy = Statement(statement.text, statement.seqs, "assessment")
                filed[key].append(copy)
                return


# The diagnosis the clinician concluded for a problem named by its symptom: "for your
# elbow pain ... this is consistent with medial epicondylitis".
CONCLUDED = re.compile(
    r"\b(?:consistent with|diagnosed with|(?:this|it|that) is(?: (?P<hedge>most likely|"
    r"likely|probably))?) (?:an? |some )?(?P<dx>(?!not\b|no\b|consistent\b|diagnosed\b)[a-z' -]{3,40}?)"
    r"(?=\s+(?:which|that|and|because|so|from|caused|of the)\b|[,.;]|$)",
    re.I,
)
# "your symptoms are most likely due to a rotator cuff tendinopathy": the cause named.
CAUSED = re.compile(
    r"\b(?:is|are|was|were) (?P<hedge>most likely|likely|probably) (?:due to|caused by|"
    r"from|secondary to) (?:an? |some )?(?P<dx>[a-z' -]{3,40}?)(?=\s+(?:which|that|and|"
    r"because|so)\b|[,.;]|$)",
    re.I,
)
DIAGNOSIS_SUFFIX = re.compile(r"[a-z]{2,}(?:itis|osis|emia|pathy|oma)\b", re.I)


def _is_diagnosis(text: str) -> bool:
    low = text.lower()
    return bool(
        DIAGNOSIS_SUFFIX.search(low)
        or any(re.search(rf"\b{d}\b", low) for d in DIAGNOSES)
    )


def _diagnosis_heads(filed: dict[str, list[Statement]], owner: dict[str, str]) -> None:
    """A problem named by its symptom takes the diagnosis concluded for it as its
    name, citing where it was concluded."""
    statements = filed.get(_section_for("assessment", owner) or "", [])
    for head in (s for s in statements if s.heading and not _is_diagnosis(s.text)):
        named = re.escape(head.text.rstrip("."))
        for said in statements:
            if said.heading or said.problem != head.problem:
                continue
            # "For his problem of X his symptoms are ...", unpunctuated: X is its head
            said.text = language.sentence_case(
                re.sub(
                    rf"{SIGNPOST}(?:of |with )?{named}\b,?\s*",
                    "",
                    said.text,
                    flags=re.I,
                )
            )
            found = CONCLUDED.search(said.text) or CAUSED.search(said.text)
            if found and _is_diagnosis(found.group("dx")):
                dx = found.group("dx").strip()
                if found.group("hedge"):  # "chest pain, likely angina": still a guess
                    symptom = head.text.rstrip(".")
                    dx = f"{symptom}, {found.group('hedge').lower()} {dx}"
                head.text = language.sentence_case(dx)
                head.seqs = tuple(sorted({*head.seqs, *said.seqs}))
                break


def _number_problems(filed: dict[str, list[Statement]], owner: dict[str, str]) -> None:
    """Number the problems the clinician named, in the order they were named."""
    number, names = 0, {}
    key = _section_for("assessment", owner) or ""
    for statement in filed.get(key, []):
        if statement.heading:
            number += 1
            names[statement.problem] = (statement.text.rstrip("."), statement.seqs)
            statement.text = f"{number}. {statement.text}"
        elif statement.problem in names:  # "For her first problem, X, ..." after X
            statement.text = language.sentence_case(INTRODUCED.sub("", statement.text))
            if _names_only(statement.text, names[statement.problem][0]):
                statement.text = ""  # "For their first problem, their back pain."
    if key in filed:
        filed[key] = [s for s in filed[key] if s.text]
    plan = _section_for("plan", owner)
    if plan is None or plan == key:
        return
    for statement in filed[plan]:  # the plan by problem: its name on its first item
        name, seqs = names.pop(statement.problem, ("", ()))
        if name and not statement.text.lower().startswith(name.lower()):
            text = FOR_PROBLEM.sub("", INTRODUCED.sub("", statement.text))
            text = (
                re.sub(rf"^{re.escape(name)}\b[,:]?\s*", "", text, flags=re.I) or text
            )
            statement.text = f"{name}: {text[0].lower()}{text[1:]}"
            statement.seqs = tuple(sorted({*statement.seqs, *seqs}))  # where named


def _for_patient(
    filed: dict[str, list[Statement]], owner: dict[str, str], segments
) -> None:
    """Written to the patient (patient_voice.py): what was concluded and will be done,
    the plan's medicines under the medicines (never an allergen), in second person."""
    gender, allergens = patient_gender(segments), _allergens(segments)
    medicines = owner.get("medications")
    out: dict[str, list[Statement]] = {key: [] for key in filed}
    for key, statements in filed.items():
        for statement in statements:
            if statement.category == "exam" or (
                statement.category in HISTORY_CATEGORIES
                and statement.category != "medications"
            ):
                continue  # the examination and history as said: the clinician's record
            named = {d.lower() for d in language.drugs(statement.text)}
            if named & allergens and not _about_allergy(statement.text):
                continue  # an allergen is never one of the patient's medicines
            if statement.category == "medications" and not named:
                continue  # "They are doing fine still about the same.": no medicine
            if not statement.heading:
                statement.text = patient_voice.instruction(statement.text, gender)
            moved = (
                medicines
                and statement.category in PLAN_CATEGORIES
                and drug_acted_on(statement.text)
            )
            out[medicines if moved else key].append(statement)
    filed.update(out)


def _names_only(text: str, name: str) -> bool:
    """The line says nothing but which problem comes next."""
    words = set(re.findall(r"[a-z]+", text.lower())) - set(
        re.findall(r"[a-z]+", name.lower())
    )
    return words <= {"for", "his", "her", "their", "the", "patient's", "first", "second",
                     "third", "fourth", "next", "last", "other", "problem", "issue",
                     "and", "so", "now", "from", "a", "regarding", "as", "of", "this", "is"}  # fmt: skip


def cite(seqs: tuple[int, ...]) -> str:
    ordered = sorted(set(seqs))
    parts: list[str] = []
    start = prev = ordered[0]
    for seq in [*ordered[1:], None]:
        if seq is not None and seq == prev + 1:
            prev = seq
            continue
        parts.append(f"S{start}" if prev == start else f"S{start}-S{prev}")
        if seq is not None:
            start = prev = seq
    return "[" + ", ".join(parts) + "]"


def draft_sections(request: DraftRequest) -> dict[str, str]:
    """The whole draft at once: {section key: text}, for the wanted sections."""
    filed = file_statements(request.sections, request.segments)
    if patient_voice.facing(request):
        _for_patient(filed, section_owners(request.sections), request.segments)
    return {
        spec.key: "\n".join(f"{s.text} {cite(s.seqs)}" for s in filed.get(spec.key, []))
        or NOT_DISCUSSED
        for spec in request.wanted
    }


class OfflineEngine:
    name = "offline"
    model = "offline-drafter-2"

    async def stream(self, request: DraftRequest) -> AsyncIterator[DraftEvent]:
        # Tenths of a second of CPU (seconds on a process's first draft): off the
        # event loop.
        drafted = await asyncio.to_thread(draft_sections, request)
        for key, text in drafted.items():
            yield SectionStarted(key)
            for number, line in enumerate(text.split("\n")):
                yield TextDelta(key, ("\n" if number else "") + line)
            yield SectionFinished(key)
        yield Usage(input_tokens=0, output_tokens=0)
