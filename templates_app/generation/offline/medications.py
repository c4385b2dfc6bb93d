"""The medications and allergies sections: current, started and stopped medicines,
never an allergen; allergies only from words of allergy."""

from __future__ import annotations

import re

from templates_app.generation.offline import language, placement, structure
from templates_app.generation.offline.lexicon import PLAN_CATEGORIES
from templates_app.generation.offline.placing import section_for as _section_for
from templates_app.generation.offline.statements import Statement
from templates_app.generation.offline.structure import (
    allergy_with_reaction,
    medication_lines,
)


def _tidy_medications(
    filed: dict[str, list[Statement]], owner: dict[str, str], allergens: set[str]
) -> None:
    """In a section of their own, medications as a list: drug, dose, frequency; an
    allergen is never listed as a medication (said with its allergy, it moves to
    the allergies)."""
    key = owner.get("medications")
    if key is None or key == owner.get("history"):
        return
    tidy: list[Statement] = []
    allergy_key = _section_for("allergies", owner)
    for statement in list(filed[key]):
        named = {d.lower() for d in language.drugs(statement.text)}
        # words of allergy or a reaction, not what the drug is taken for ("ibuprofen
        # for the swelling": an indication)
        allergy = _about_allergy(statement.text) and not INDICATION.search(
            statement.text
        )
        if named & allergens or allergy:
            if allergy and allergy_key == key:
                tidy.append(statement)  # one section takes both: as it was said
            elif allergy and allergy_key:
                filed[allergy_key].append(statement)
            continue
        lines = medication_lines(statement.text)
        if not lines:
            tidy.append(statement)
            continue
        tidy.extend(
            Statement(line, statement.seqs, statement.category) for line in lines
        )
    once: dict[str, Statement] = {}
    for statement in tidy:  # "Tylenol." said three times: one line citing all three
        twin = once.setdefault(statement.text.lower(), statement)
        if twin is not statement:
            twin.seqs = tuple(sorted({*twin.seqs, *statement.seqs}))
    filed[key] = list(once.values())


# What the plan does with a drug: a medicine started, changed, stopped or kept, not a
# test of it ("order a hemoglobin a1c to see whether to adjust the metformin").
DRUG_ACTION = re.compile(
    r"\b(?:start\w*|prescrib\w*|increas\w*|decreas\w*|reduc\w*|stop\w*|"
    r"discontinu\w*|continu\w*|switch\w*|refill\w*|resum\w*|give|giving|take|"
    r"taking|(?:put|keep|placed?) (?:\w+ )?on|hold\w*|tak\w+ off|off (?:of )?the)\b",
    re.I,
)


def drug_acted_on(text: str) -> bool:
    """The statement starts, changes, stops or keeps a medicine it names."""
    return bool(language.drugs(text)) and bool(DRUG_ACTION.search(text))


def _plan_medicines(filed: dict[str, list[Statement]], owner: dict[str, str]) -> None:
    """No assessment or plan section but one for medications (a discharge summary's):
    the plan's medicines started, changed or stopped are listed there."""
    key, plan = owner.get("medications"), _section_for("plan", owner)
    if key is None or {"plan", "assessment"} & set(owner) or plan in (None, key):
        return
    moved = [
        s
        for s in filed[plan]
        if s.category in PLAN_CATEGORIES and not s.heading and drug_acted_on(s.text)
    ]
    filed[plan] = [s for s in filed[plan] if s not in moved]
    filed[key].extend(moved)


def _tidy_allergies(filed: dict[str, list[Statement]], owner: dict[str, str]) -> None:
    """An allergy and the reaction said right after it, as one statement."""
    key = _section_for("allergies", owner)
    if key is None:
        return
    lines = filed[key]
    for i in range(len(lines) - 1):
        first, second = lines[i], lines[i + 1]
        if first.category != "allergies" or not set(first.seqs) & set(second.seqs):
            continue
        merged = allergy_with_reaction(first.text, second.text)
        if merged:
            first.text, first.seqs = merged, tuple(sorted({*first.seqs, *second.seqs}))
            second.text = ""
    filed[key] = [s for s in lines if s.text]
    elsewhere = _section_for("history", owner)
    own = key == owner.get("allergies")
    if own and elsewhere and elsewhere != key:  # allergies only from words of allergy
        strays = [s for s in filed[key] if not _about_allergy(s.text)]
        filed[elsewhere].extend(strays)
        filed[key] = [s for s in filed[key] if s not in strays]


INDICATION = re.compile(
    r"\bfor (?:the |some |my |his |her |their |a )?(?:\w+ )?"
    + structure.REACTION_SAID.pattern
    + r"(?!.*\ballerg)",
    re.I,
)


def _about_allergy(text: str) -> bool:
    return bool(
        placement.ALLERGY_CONTEXT.search(text) or structure.REACTION_SAID.search(text)
    )
