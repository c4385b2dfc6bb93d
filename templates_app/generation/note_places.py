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

from pathlib import Path

from templates_app.generation.offline import linear
from templates_app.generation.offline.linear import PART_OF_PLACE, tokens

ARTIFACT = Path(__file__).with_name("note_places.npz")
LENGTH_STEP = 4  # words per length bucket
LENGTH_BUCKETS = 6


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


def probabilities(text: str) -> dict[str, float]:
    """Place -> probability, for one statement."""
    return linear.probabilities(ARTIFACT, features(text))


def part_probabilities(text: str) -> dict[str, float]:
    """History, exam, plan: the probability of each part of the visit."""
    out = {"history": 0.0, "exam": 0.0, "plan": 0.0}
    for place, p in probabilities(text).items():
        out[PART_OF_PLACE[place]] += p
    return out
