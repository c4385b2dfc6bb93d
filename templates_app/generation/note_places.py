"""Where a note's statement belongs, read from the statement itself: the verifier's
section classifier.

A multinomial logistic regression over the words, word pairs, opening words and
length of a note sentence ("Will start lisinopril 10 mg daily." reads as plan, "He
reports a pop when he lifted the boxes." as history), trained on the sentences of
ACI-Bench train's reference notes, each with the place its heading gives it
(offline/reference.py), and on MTS-Dialog train's section texts, each with its
section's place. Both data sets are CC BY 4.0: ACI-Bench (Yim et al., 2023,
https://github.com/wyim/aci-bench) and MTS-Dialog (Ben Abacha et al., 2023,
https://github.com/abachaa/MTS-Dialog). `build_note_places.py` builds the artifact
(note_places.npz, next to this module); here it is only read, with numpy.

The drafter's classifier (offline/placement.py) reads transcript turns; this one reads
what a drafter wrote, so the verifier can weigh both: what the statement says and
what its cited words were said as.

Pure functions over text: no database, no Django.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np

ARTIFACT = Path(__file__).with_name("note_places.npz")
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+(?:\.\d+)?")
# The three parts of a visit, as offline/placement.py's PART_OF_PLACE has them.
PART_OF_PLACE = {
    "complaint": "history", "hpi": "history", "ros": "history",
    "past_history": "history", "medications": "history", "allergies": "history",
    "exam": "exam", "results": "exam", "assessment": "plan", "plan": "plan",
    "instructions": "plan",
}  # fmt: skip
LENGTH_STEP = 4  # words per length bucket
LENGTH_BUCKETS = 6


def tokens(text: str) -> list[str]:
    found = _TOKEN.findall(text.lower().replace("’", "'"))
    return ["<num>" if token[0].isdigit() else token for token in found]


def features(text: str) -> list[str]:
    """The feature names of one statement: words, word pairs, its first word and
    first two words, and its length in buckets of LENGTH_STEP words."""
    words = tokens(text)
    out = [f"w:{w}" for w in words]
    out += [f"b:{a}_{b}" for a, b in zip(words, words[1:], strict=False)]
    if words:
        out.append(f"f:{words[0]}")
    if len(words) > 1:
        out.append(f"f2:{words[0]}_{words[1]}")
    out.append(f"len:{min(len(words) // LENGTH_STEP, LENGTH_BUCKETS)}")
    return out


@functools.cache
def _model() -> tuple[dict[str, int], np.ndarray, np.ndarray, tuple[str, ...]]:
    with np.load(ARTIFACT, allow_pickle=False) as data:
        vocab = {name: i for i, name in enumerate(data["vocab"].tolist())}
        coef = data["coef"].astype(np.float32)
        intercept = data["intercept"].astype(np.float32)
        classes = tuple(data["classes"].tolist())
    return vocab, coef, intercept, classes


def probabilities(text: str) -> dict[str, float]:
    """Place -> probability, for one statement."""
    vocab, coef, intercept, classes = _model()
    counts: dict[int, float] = {}
    for name in features(text):
        index = vocab.get(name)
        if index is not None:
            counts[index] = counts.get(index, 0.0) + 1.0
    scores = intercept.copy()
    if counts:
        idx = np.fromiter(counts, dtype=np.int64)
        values = np.fromiter(counts.values(), dtype=np.float32)
        values /= np.sqrt((values**2).sum())  # the build's L2 normalisation
        scores += coef[:, idx] @ values
    scores = np.exp(scores - scores.max())
    scores /= scores.sum()
    return dict(zip(classes, scores.tolist(), strict=True))


def part_probabilities(text: str) -> dict[str, float]:
    """History, exam, plan: the probability of each part of the visit."""
    out = {"history": 0.0, "exam": 0.0, "plan": 0.0}
    for place, p in probabilities(text).items():
        out[PART_OF_PLACE[place]] += p
    return out
