"""Placement: whether a statement belongs in the section it sits in (issue 24, item 5).

A statement is out of place when
- it names as a medicine a drug its cited words give as an allergy (under
  Medications, or anywhere it is to be taken: "Your medicines: penicillin.");
- under Medications (what the patient takes so far, not the medicines of patient
  instructions or discharge), its drug is one the cited words only start at this
  visit ("we'll start azithromycin"): a new prescription, not a current medication;
- under Allergies, it says nothing of an allergy and neither do its cited words, or
  it is an examination finding;
- its own words say where it belongs and that is elsewhere: a plan item ("Will
  order...", "Advised to...", "Keep using the inhaler", "If ... go to the emergency
  department") under a history or examination section, the patient's
  report ("Denies...", "She reports...") under an assessment or plan section, an
  allergy under an examination section;
- otherwise, two learned classifiers together give the section's part of the visit
  (history, examination and results, assessment and plan) less than PART_MIN of
  their probability: the drafter's, reading the statement with its cited words as
  transcript turns (offline/placement.py), and the verifier's, reading the statement
  as a note sentence (note_places.py); both learned from ACI-Bench train and
  MTS-Dialog. A statement whose own words establish its place is not second-guessed
  by them: an examiner's sign under an examination section, a diagnosis, a finding,
  a problem named alone ("Chronic back pain.") or the clinician's reasoning that links
  findings to a cause ("That explains the cough and fever.") under an assessment, a problem named alone under a plan, a drug under Medications,
  the one-line summary ("58-year-old male with...") under a history or assessment, a
  drug its cited words order (start, continue, stop) under a plan.

Pure functions over text: no database, no Django.
"""

from __future__ import annotations

import math
import re

from templates_app.generation import note_places
from templates_app.generation.base import SectionSpec
from templates_app.generation.offline import placement
from templates_app.generation.offline.classify import section_categories
from templates_app.generation.offline.complaint import BODY
from templates_app.generation.offline.lexicon import (
    EXAM_CATEGORIES,
    HISTORY_CATEGORIES,
    PLAN_CATEGORIES,
)
from templates_app.generation.verify_meaning import diagnoses
from templates_app.generation.verify_words import drug_spans, drug_tokens, drugs

# The probability of the section's part of the visit, the two classifiers combined,
# below which a statement is out of place (chosen on ACI-Bench train, the statement
# classifier fitted on four fifths of its encounters and read on the fifth).
PART_MIN = 0.25
# Words of an allergy; and of a reaction, which make a drug an allergen only beside it
# ("penicillin gives me hives") and are findings elsewhere ("swelling of the knee").
ALLERGY = re.compile(
    r"\b(allerg\w*|reactions? to|anaphyla\w*|intoleran\w*|nkda|no known)", re.I
)
REACTION = re.compile(
    r"^(allerg\w*|reactions?|hives|anaphyla\w*|intoleran\w*|rash\w*|swell\w*|"
    r"itch\w*|sensitiv\w*)$",
    re.I,
)
REACTION_REACH = 5  # words between an allergen and its word of allergy or reaction
# Words before a drug that make it the alternative chosen, not the allergen.
CHOSEN = re.compile(
    r"^(start\w*|prescrib\w*|give|giving|switch\w*|instead|use|try|on)$", re.I
)
# Words that make a drug something to take.
MEDICINE = re.compile(
    r"\b(medicines?|medications?|takes?|taking|continue|start\w*|prescri\w*|mg|"
    r"tablets?|pills?|daily|twice|once a day|refill\w*)\b",
    re.I,
)
# How speech starts a drug at this visit, and how it speaks of one already taken.
STARTED = re.compile(
    r"\b(start(?:ing)?|begin|prescrib\w*|put (?:you|him|her|them) on|"
    r"give (?:you|him|her|them)|send (?:in |out )?(?:a )?prescription|order(?:ing)?|"
    r"trial of|new prescription)\b",
    re.I,
)
CURRENT = re.compile(
    r"\b(taking|takes?|took|been on|i'm on|i am on|you're on|currently|still|"
    r"continu\w*|keep|stay on|refill\w*|already|using|use)\b",
    re.I,
)
# Signs only an examiner reports, and vitals.
EXAM_SIGN = re.compile(
    r"\b(crackles|rales|rhonchi|wheezes|murmurs?|gallops?|rubs|bruits?|tenderness|"
    r"tender to|effusion|erythema|ecchymosis|edema|auscultation|palpation|"
    r"range of motion|reflexes|capillary refill|jvd|jugular venous|guarding|rebound|"
    r"alert and oriented|oriented to|normocephalic|atraumatic|regular rate|"
    r"non-?tender|non-?distended|pupils|extraocular|afebrile|appreciated?|"
    r"flexion|extension|abduction|adduction|supination|pronation|dorsiflexion|"
    r"vital signs|blood pressure|heart rate|oxygen saturation|respiratory rate|"
    r"(?:physical |on )exam\w*|(?:BP|HR|RR|SpO2|T) \d|\d/5)\b",
    re.I,
)
# A part of the body and what the examiner finds of it: "her ears are clear", "the
# throat is a little red", "lungs sound clear". An exam finding when its cited words
# say it of the patient's body ("your ears", "her throat"), not the patient of their
# own ("my throat is sore").
ORGANS = (
    rf"{BODY}|ears|eyes|eardrums?|tympanic membranes?|pharynx|tonsils|lungs?|heart|"
    r"nose|nares|mouth|gums|teeth|tongue|lymph nodes|glands|pupils|conjunctivae?|"
    r"scalp|belly button|incision|wound|cuts?|bruise"
)
EXAMINED = re.compile(
    rf"^(?:(?:her|his|their|the|both|left|right) )*(?P<organ>{ORGANS}) "
    r"(?:is|are|look|looks|sound|sounds|feel|feels|appear|appears|seem|seems)"
    r"(?: (?:a little|a bit|slightly|mildly|very|somewhat|pretty|quite|still|nice and))?"
    r" (?:clear|red|erythematous|inflamed|swollen|soft|supple|normal|fine|good|healthy|"
    r"intact|dry|moist|pink|pale|warm|cool|tender|non-?tender|bulging|dull|full|"
    r"symmetric|equal|reactive|regular|enlarged|healing|clean)\b",
    re.I,
)
PLAN_ITEM = re.compile(
    r"^(?:will|advised to|recommend\w*|order|start|increase|decrease|refer|schedule|"
    r"prescrib\w*|follow[- ]up (?:in|with|at|on|after)|return)\b|\b(?:we(?:'ll| will)|"
    r"will (?:order|start|prescribe|refer|schedule|increase|get|send|check)|"
    r"plan to)\b"
    # an instruction to the patient, and a return precaution
    r"|^(?:keep|continue|take|use|drink|avoid|call|stop|apply|elevate|seek|go to|"
    r"come back|give|offer|encourage|wear|try|reduce|cut down|"
    r"monitor|make sure|hydrate|gargle|alternate|bring)\b"
    r"|^if\b.*\b(?:go to|call|return|come back|seek|bring (?:him|her|them|the \w+) "
    r"(?:back|in)|let (?:us|me|the office) know|be seen)\b"
    # advice to the patient or the parent: "She can give her honey for the cough."
    r"|^(?:he|she|they|the patient|the parents?|(?:his|her|their) (?:mother|father|"
    r"parents?)) (?:can|should|may|could) (?:give|take|use|try|apply|continue|keep|"
    r"start|stop|avoid|drink|rest|ice|elevate|wear|return|call|follow)\b",
    re.I,
)
REPORT = re.compile(
    r"^(?:[A-Z][a-z]+: )?(?:denies|reports|endorses|complains|states)\b|"
    r"^(?:he|she|they|the patient) (?:reports|states|endorses|denies|complains)\b",
    re.I,
)
# How speech orders a drug: what makes a drug of the statement a plan item.
ORDERED = re.compile(
    r"\b(start\w*|continu\w*|stop\w*|increas\w*|decreas\w*|prescrib\w*|refill\w*|"
    r"switch\w*|hold|taper\w*|order\w*|we'll|i'll|will|going to|gon na|gonna)\b",
    re.I,
)
# A medication section that lists what the patient takes so far (the history's);
# others ("medicines" of patient instructions, discharge medications) list what to
# take from now on.
TAKEN_SO_FAR = re.compile(
    r"^(?:home_|current_|outpatient_|admission_)?medications(?:_history)?$"
)
ONE_LINER = re.compile(r"\b\d+[- ]year[- ]old\b", re.I)
# A clinician's reasoning: findings linked to a cause or a diagnosis ("That explains
# the cough and fever.", "The swelling is likely from the sprain."), the assessment's.
REASONING = re.compile(
    r"\b(?:explains?|explained|explaining|accounts? for|accounted for|consistent with|"
    r"suggest(?:s|ed|ive of)|points? to|in keeping with|(?:is|are|was|were|'s) "
    r"(?:(?:most |more )?likely|probably) (?:due to|from|caused by|related to|"
    r"secondary to|a result of)|(?:due|secondary|attributable) to|caused by|"
    r"concerning for|differential)\b",
    re.I,
)
PROBLEM_WORDS = 6  # a problem named alone under a plan: at most this many words
PART_OF_CATEGORY = {
    **{c: "history" for c in HISTORY_CATEGORIES},
    **{c: "exam" for c in EXAM_CATEGORIES},
    **{c: "plan" for c in PLAN_CATEGORIES},
}
PART_NAMES = {
    "history": "history",
    "exam": "examination or results",
    "plan": "assessment or plan",
}


def _categories(section: str) -> tuple[str, ...]:
    return section_categories(SectionSpec(section, section.replace("_", " ")))


def part_probabilities(text: str) -> dict[str, float]:
    """History, exam, plan: the drafter's classifier's probability of each part."""
    out = {"history": 0.0, "exam": 0.0, "plan": 0.0}
    for place, p in placement.probabilities(text).items():
        if place in placement.PART_OF_PLACE:
            out[placement.PART_OF_PLACE[place]] += p
    total = sum(out.values()) or 1.0
    return {part: p / total for part, p in out.items()}


def _product(*readings: dict[str, float]) -> dict[str, float]:
    """The readings of independent classifiers combined: their normalised product."""
    out = {part: math.prod(r[part] for r in readings) for part in readings[0]}
    total = sum(out.values()) or 1.0
    return {part: p / total for part, p in out.items()}


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"[.?!]\s*|\s+\|\s+", text) if s.strip()]


def allergic_to(sentence: str) -> set[str]:
    """Drugs a sentence gives as an allergy: within REACTION_REACH words of a word of
    allergy or reaction ("allergic to penicillin", "penicillin gives me hives"), and
    not the drug chosen instead ("...penicillin allergy we'll start doxycycline")."""
    tokens = drug_tokens(sentence)
    reactions = [k for k, token in enumerate(tokens) if REACTION.match(token)]
    out = set()
    for name, start, end in drug_spans(sentence) if reactions else ():
        near = min(min(abs(k - start), abs(k - (end - 1))) for k in reactions)
        chosen = any(CHOSEN.match(t) for t in tokens[max(0, start - 3) : start])
        if near <= REACTION_REACH and not chosen:
            out.add(name)
    return out


def allergens(text: str, cited: str) -> set[str]:
    """Drugs of the statement that its cited words give as an allergy."""
    if ALLERGY.search(text):
        return set()
    return drugs(text) & {d for s in _sentences(cited) for d in allergic_to(s)}


def started_here(text: str, cited: str) -> set[str]:
    """Drugs of the statement that its cited words only start at this visit."""
    out = set()
    for drug in drugs(text):
        said = [s for s in _sentences(cited) if drug in drugs(s)]
        if said and all(STARTED.search(s) and not CURRENT.search(s) for s in said):
            out.add(drug)
    return out


def ordered(text: str, cited: str) -> bool:
    """The statement names a drug its cited words order (start, continue, stop...)."""
    mine = drugs(text)
    return bool(mine) and any(
        ORDERED.search(s) and drugs(s) & mine for s in _sentences(cited)
    )


def examined(text: str, cited: str) -> bool:
    """The statement is an examiner's finding ("Her ears are clear.") that its cited
    words say of the patient's body ("her ears are clear", "your ears look clear")."""
    found = EXAMINED.match(text.strip())
    if not found:
        return False
    organ = re.escape(found.group("organ").lower().rstrip("s"))
    return bool(
        re.search(
            rf"\b(?:your|her|his|their|the|both) (?:\w+ )?{organ}s?\b", cited, re.I
        )
    )


# A verb that makes a statement more than a problem's name.
VERB = re.compile(
    r"\b(?:is|are|was|were|be|been|has|have|had|does|do|did|reports?|reported|denies|"
    r"denied|states?|stated|feels?|felt|takes?|took|taking|gets?|got|will|would|can|"
    r"could|should|may|might)\b",
    re.I,
)


def _problem_named(text: str) -> bool:
    """A problem named alone ("Chronic back pain.", "Right foot hallux rigidus."): the
    heading of an assessment, though its words are a symptom's."""
    words = re.findall(r"[A-Za-z0-9'/-]+", re.sub(r"^\d+[.)]\s*", "", text))
    return 0 < len(words) <= PROBLEM_WORDS and not VERB.search(text)


def _established(own: str, text: str, cited: str) -> bool:
    """The statement's own words establish its place in a section of `own`."""
    if PART_OF_CATEGORY.get(own) == "exam" and examined(text, cited):
        return True
    if own == "plan" and ordered(text, cited):
        return True
    if own == "medications":
        return bool(drugs(text))
    if own == "assessment":
        return bool(
            diagnoses(text)
            or EXAM_SIGN.search(text)
            or ONE_LINER.search(text)
            or (REASONING.search(text) and not REPORT.search(text))
            or _problem_named(text)
        )
    # a problem named alone under a plan: the heading of its plan items
    return (
        own == "plan" and len(text.split()) <= PROBLEM_WORDS and bool(diagnoses(text))
    )


def _stated_part(text: str) -> set[str]:
    """The parts of the visit the statement's own words name."""
    out = set()
    if PLAN_ITEM.search(text):
        out.add("plan")
    if REPORT.search(text) or ONE_LINER.search(text):
        out.add("history")
    if EXAM_SIGN.search(text):
        out.add("exam")
    return out


def placement_problem(section: str, text: str, cited: str) -> str:
    """Why the statement does not belong in `section`, by its cited words, or ''."""
    categories = _categories(section)
    own = categories[0] if categories else ""
    wrong = allergens(text, cited)
    if wrong and own != "allergies" and (own == "medications" or MEDICINE.search(text)):
        return f"{', '.join(sorted(wrong))}: an allergy in the cited words, not a medicine."
    if not categories:
        return ""
    if own == "medications" and not TAKEN_SO_FAR.match(section):
        return ""  # what to take from now on: new, changed and continued drugs alike
    parts = {PART_OF_CATEGORY[c] for c in categories if c in PART_OF_CATEGORY}
    if own == "allergies":
        if ALLERGY.search(text):
            return ""
        if EXAM_SIGN.search(text):
            return "An examination finding, under allergies."
        if not ALLERGY.search(cited):
            return "Under allergies, but its cited words say nothing of an allergy."
        return ""
    if own == "medications":
        new = started_here(text, cited)
        if new:
            return (
                f"{', '.join(sorted(new))}: started at this visit in the cited words, "
                "not a current medication."
            )
    if parts == {"plan"} and REPORT.search(text):
        return "The patient's report, under an assessment or plan section."
    if "plan" not in parts and PLAN_ITEM.search(text):
        return "A plan item, under a history or examination section."
    if parts == {"exam"} and ALLERGY.search(text):
        return "An allergy, under an examination section."
    if not parts or _stated_part(text) & parts or _established(own, text, cited):
        return ""
    said = part_probabilities(f"{text} {cited}")
    written = note_places.part_probabilities(text)
    both = _product(said, written)
    if sum(both[p] for p in parts) < PART_MIN:
        best = max(both, key=both.get)
        return (
            f"It reads as {PART_NAMES[best]} ({both[best]:.0%}: the statement "
            f"{written[best]:.0%}, its cited words {said[best]:.0%}), not as "
            f"{' or '.join(PART_NAMES[p] for p in sorted(parts))}."
        )
    return ""
