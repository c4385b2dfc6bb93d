"""What verify.py checks beyond the words: placement and diagnoses.

- `placement`: the statement sits in a section its cited words do not support:
  under Allergies with no word of allergy; under Medications naming a drug its cited
  words give as an allergy; a plan item ("Will order...", "Advised to...") under a
  history or examination section; or the section classifier (offline/placement.py,
  learned from ACI-Bench train and MTS-Dialog) gives the section's part of the visit
  (history, examination, assessment and plan) less than PART_MIN of its probability,
  reading the statement with its cited words.
- `diagnosis`: the statement names a diagnosis ("hypertension", "pneumonia",
  "...itis") that its cited words do not name ("blood pressure" is not
  "hypertension").

Pure functions over text: no database, no Django.
"""

from __future__ import annotations

import math
import re

from templates_app.generation import note_places
from templates_app.generation.base import SectionSpec
from templates_app.generation.offline import placement
from templates_app.generation.offline.classify import section_categories
from templates_app.generation.offline.lexicon import (
    DIAGNOSES,
    EXAM_CATEGORIES,
    HISTORY_CATEGORIES,
    PLAN_CATEGORIES,
)
from templates_app.generation.verify_words import drugs

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
    r"\b(allerg\w*|reaction|hives|anaphyla\w*|intoleran\w*|nkda|no known|rash|"
    r"swell\w*|itch\w*|sensitiv\w*)",
    re.I,
)
# Signs only an examiner reports, and vitals as a note writes them: a statement
# holding one belongs under an examination section whatever the classifiers read.
EXAM_SIGN = re.compile(
    r"\b(crackles|rales|rhonchi|wheezes|murmurs?|gallops?|rubs|bruits?|tenderness|"
    r"tender to|effusion|erythema|ecchymosis|edema|auscultation|palpation|"
    r"range of motion|reflexes|capillary refill|jvd|jugular venous|guarding|rebound|"
    r"alert and oriented|oriented to|normocephalic|atraumatic|regular rate|"
    r"non-?tender|non-?distended|pupils|extraocular|afebrile|"
    r"(?:BP|HR|RR|SpO2|T) \d|\d/5)\b",
    re.I,
)
PLAN_ITEM = re.compile(
    r"^(?:will|advised to|recommend\w*|order|start|increase|decrease|refer|schedule|"
    r"prescrib\w*|follow up|return)\b|\b(?:we(?:'ll| will)|will (?:order|start|"
    r"prescribe|refer|schedule|increase|get|send|check)|plan to)\b",
    re.I,
)
REPORT = re.compile(
    r"^(?:[A-Z][a-z]+: )?(?:denies|reports|endorses|complains|states)\b|"
    r"^(?:he|she|they|the patient) (?:reports|states|endorses|denies|complains)\b",
    re.I,
)
SUFFIX = re.compile(r"\b[a-z]{3,}(?:itis|osis|emia|pathy|oma|algia)\b")
NOT_DIAGNOSES = frozenset(
    {"diagnosis", "prognosis", "emphasis", "aroma", "sympathy", "empathy", "coma"}
)
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


def diagnoses(text: str) -> set[str]:
    low = text.lower()
    found = {d for d in DIAGNOSES if re.search(rf"\b{d}", low)}
    found |= {w for w in SUFFIX.findall(low) if w not in NOT_DIAGNOSES}
    return found


def _named(diagnosis: str, cited: str) -> bool:
    """Said in the cited words, in any form ("diabetic" names diabetes)."""
    stem = diagnosis[: max(5, len(diagnosis) - 3)]
    return bool(re.search(rf"\b{re.escape(stem)}", cited.lower()))


def diagnosis_problem(text: str, cited: str) -> str:
    missing = sorted(d for d in diagnoses(text) if not _named(d, cited))
    if missing:
        return f"{', '.join(missing)}: not named in the cited segments."
    return ""


def part_probabilities(text: str) -> dict[str, float]:
    """History, exam, plan: the classifier's probability of each part of the visit."""
    out = {"history": 0.0, "exam": 0.0, "plan": 0.0}
    for place, p in placement.probabilities(text).items():
        if place in placement.PART_OF_PLACE:
            out[placement.PART_OF_PLACE[place]] += p
    total = sum(out.values()) or 1.0
    return {part: p / total for part, p in out.items()}


def placement_problem(section: str, text: str, cited: str) -> str:
    """Why the statement does not belong in `section`, by its cited words, or ''."""
    categories = _categories(section)
    if not categories:
        return ""
    own = categories[0]
    parts = {PART_OF_CATEGORY[c] for c in categories if c in PART_OF_CATEGORY}
    if own == "allergies":
        if ALLERGY.search(text):
            return ""
        if EXAM_SIGN.search(text):
            return "An examination finding, under allergies."
        if not ALLERGY.search(cited):
            return "Under allergies, but its cited words say nothing of an allergy."
        return ""
    if own == "medications" and not ALLERGY.search(text):
        allergic = drugs(text) & {
            d
            for sentence in re.split(r"[.?!]", cited)
            if REACTION.search(sentence)
            for d in drugs(sentence)
        }
        if allergic:
            return f"{', '.join(sorted(allergic))}: an allergy in the cited words, not a medication."
    if parts == {"plan"} and REPORT.search(text):
        return "The patient's report, under an assessment or plan section."
    if "plan" not in parts and PLAN_ITEM.search(text):
        return "A plan item, under a history or examination section."
    if parts == {"exam"} and re.search(r"\ballerg", text, re.I):
        return "An allergy, under an examination section."
    if not parts or ("plan" in parts and PLAN_ITEM.search(text)):
        return ""  # a plan item under a plan section: its words say so
    if "history" in parts and REPORT.search(text):
        return ""  # the patient's report under a history section
    if "exam" in parts and EXAM_SIGN.search(text):
        return ""  # a sign only an examiner reports, under an examination section
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


def _product(*readings: dict[str, float]) -> dict[str, float]:
    """The readings of independent classifiers combined: their normalised product."""
    out = {part: math.prod(r[part] for r in readings) for part in readings[0]}
    total = sum(out.values()) or 1.0
    return {part: p / total for part, p in out.items()}


def checks(section: str, text: str, cited: str) -> list[tuple[str, str]]:
    found = []
    problem = placement_problem(section, text, cited)
    if problem:
        found.append(("placement", problem))
    problem = diagnosis_problem(text, cited)
    if problem:
        found.append(("diagnosis", problem))
    return found
