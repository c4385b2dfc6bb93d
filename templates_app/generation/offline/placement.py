"""Where a transcript statement belongs in a note: a learned section classifier.

A multinomial logistic regression over the words of a turn, the words of the turn
before it (usually the question it answers), the speaker's role and where in the
visit it was said, trained on ACI-Bench train (each reference-note sentence aligned
to the turns it rests on; reference.py) and MTS-Dialog train (dialogue-section
pairs). Both data sets are CC BY 4.0: ACI-Bench (Yim et al., 2023,
https://github.com/wyim/aci-bench) and MTS-Dialog (Ben Abacha et al., 2023,
https://github.com/abachaa/MTS-Dialog). `build_placement.py` builds the artifact
(placement.npz, next to this module); here it is only read, with numpy.

The places: PLACES of reference.py, and "none" for what no note sentence rests on
(greetings, small talk, instructions to move or breathe).
"""

from __future__ import annotations

import re
from pathlib import Path

from templates_app.generation.offline import linear
from templates_app.generation.offline.linear import PART_OF_PLACE, tokens

ARTIFACT = Path(__file__).with_name("placement.npz")


def features(
    text: str,
    previous: str = "",
    role: str | None = None,
    position: float | None = None,
) -> list[str]:
    """The feature names of one statement (see the module docstring)."""
    words = tokens(text)
    out = [f"w:{w}" for w in words]
    out += [f"b:{a}_{b}" for a, b in zip(words, words[1:], strict=False)]
    out += [f"p:{w}" for w in tokens(previous)]
    out.append(f"r:{role or 'unknown'}")
    if position is not None:
        out.append(f"pos:{min(9, int(position * 10))}")
    return out


def probabilities(
    text: str,
    previous: str = "",
    role: str | None = None,
    position: float | None = None,
) -> dict[str, float]:
    """Place -> probability, for one statement."""
    return linear.probabilities(ARTIFACT, features(text, previous, role, position))


def place(
    text: str,
    previous: str = "",
    role: str | None = None,
    position: float | None = None,
) -> str:
    ranked = probabilities(text, previous, role, position)
    return max(ranked, key=ranked.get)


# A place as the drafter's category (lexicon.LEXICON's keys), and the three parts
# of a visit the drafter's walk knows.
CATEGORY_OF_PLACE = {
    "complaint": "complaint", "hpi": "history", "ros": "review",
    "past_history": "past_history", "medications": "medications",
    "allergies": "allergies", "exam": "exam", "results": "results",
    "assessment": "assessment", "plan": "plan", "instructions": "plan",
}  # fmt: skip
# Categories finer than the places: the walk's own word stands.
FINER = frozenset({"social", "family", "mental", "risk", "course", "followup",
                   "warnings", "disposition", "procedure", "complication"})  # fmt: skip
OVERRIDE = 0.6  # the model's certainty that moves a statement to another part
ALLERGY_CONTEXT = re.compile(r"\b(allerg\w*|reaction|anaphyla\w*|intoleran\w*)", re.I)


def category(
    rule: str,
    part: str,
    text: str,
    previous: str = "",
    role: str | None = None,
    position: float | None = None,
    segment: str = "",
) -> str:
    """The statement's category: the model's best place within the part of the visit
    the walk put it in (history, exam, plan), or in another part when the model is
    sure (OVERRIDE). Allergies only from words of allergy; the walk's finer
    categories (social history, follow-up...) stand. `segment`: the whole turn the
    sentence was said in, when longer; the model was trained on turns, and a
    sentence alone says less: the two estimates are averaged."""
    scores = probabilities(text, previous, role, position)
    if segment and segment != text:
        whole = probabilities(segment, previous, role, position)
        scores = {p: (scores[p] + whole[p]) / 2 for p in scores}
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    allergy = bool(ALLERGY_CONTEXT.search(text + " " + previous))
    ranked = [
        (p, score)
        for p, score in ranked
        if p != "none" and (p != "allergies" or allergy)
    ]
    best, score = ranked[0]
    if PART_OF_PLACE[best] != part and score >= OVERRIDE:
        return CATEGORY_OF_PLACE[best]
    if rule in FINER or part != "history" or (rule == "allergies" and allergy):
        return rule  # the walk tells exam from results, assessment from plan, better
    inside = next((p for p, _ in ranked if PART_OF_PLACE[p] == part), None)
    return CATEGORY_OF_PLACE[inside] if inside else rule
