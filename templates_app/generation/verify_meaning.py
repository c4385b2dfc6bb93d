"""What verify.py checks of a statement's meaning beyond its words: a diagnosis
("hypertension", "pneumonia", "...itis") that its cited words do not name ("blood
pressure" is not "hypertension"). Placement is verify_placement.py's.

Pure functions over text: no database, no Django.
"""

from __future__ import annotations

import re

from templates_app.generation.offline.lexicon import DIAGNOSES

SUFFIX = re.compile(r"\b[a-z]{2,}(?:itis|osis|emia|pathy|oma|algia)\b")
NOT_DIAGNOSES = frozenset(
    {"diagnosis", "prognosis", "emphasis", "aroma", "sympathy", "empathy", "coma"}
)
# Injuries a note names as diagnoses, beside the drafter's lexicon.
INJURIES = ("contusion", "laceration", "abrasion", "dislocation")


def diagnoses(text: str) -> set[str]:
    low = text.lower()
    found = {d for d in (*DIAGNOSES, *INJURIES) if re.search(rf"\b{d}", low)}
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
