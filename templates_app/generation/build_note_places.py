"""Build note_places.npz, the verifier's statement classifier (note_places.py).

Data (CC BY 4.0, read from ../shared/data/, never copied into the repository):
ACI-Bench train (Yim et al., 2023; its test splits are held out and never read) and
MTS-Dialog train (Ben Abacha et al., 2023). ACI-Bench: every sentence of a reference
note with the place its heading (and inside an assessment and plan, its bullet) gives
it (offline/reference.note_sentences). MTS-Dialog: every sentence of a section text
with its section's place (offline/build_placement.mts_sections), weighted
MTS_WEIGHT.

Run (scikit-learn from requirements-dev.txt):
`.venv/bin/python -m templates_app.generation.build_note_places [--evaluate]`
(`--evaluate`: place and part-of-visit accuracy on ACI-Bench valid's note sentences,
and five-fold accuracy on train by encounter; nothing written).
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from templates_app.generation import note_places
from templates_app.generation.offline import linear, reference
from templates_app.generation.offline.build_placement import mts_sections

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
MAX_FEATURES = 8000
MTS_WEIGHT = 0.5
C = 4.0
FOLDS = 5
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")

Sample = tuple[str, str, str]  # (sentence, place, encounter)


def aci_sentences(split: str) -> list[Sample]:
    csv.field_size_limit(10**9)
    with open(SHARED / "aci-bench" / f"{split}.csv", newline="") as handle:
        return [
            (sentence, place, row["encounter_id"])
            for row in csv.DictReader(handle)
            for place, sentence in reference.note_sentences(row["note"])
        ]


def mts_sentences(path: Path) -> list[Sample]:
    return [
        (sentence.strip(), place, "mts")
        for place, row in mts_sections(path)
        for sentence in _SENTENCE.split(row["section_text"])
        if sentence.strip()
    ]


def fit(samples: list[Sample], weights: list[float]):
    return linear.fit(
        [text for text, _, _ in samples], [place for _, place, _ in samples], weights,
        analyzer=note_places.features, max_features=MAX_FEATURES, c=C, max_iter=3000,
    )  # fmt: skip


def accuracy(vectorizer, model, samples: list[Sample]) -> tuple[float, float]:
    """(place accuracy, part-of-visit accuracy)."""
    predicted = model.predict(vectorizer.transform([text for text, _, _ in samples]))
    part = note_places.PART_OF_PLACE
    pairs = list(zip(predicted, (place for _, place, _ in samples), strict=True))
    return (
        float(np.mean([p == t for p, t in pairs])),
        float(np.mean([part[p] == part[t] for p, t in pairs])),
    )


def _weighted(aci: list[Sample], mts: list[Sample]) -> tuple[list, list[float]]:
    return aci + mts, [1.0] * len(aci) + [MTS_WEIGHT] * len(mts)


def main(argv: list[str]) -> None:
    aci = aci_sentences("train")
    mts = mts_sentences(SHARED / "mts-dialog" / "MTS-Dialog-TrainingSet.csv")
    print(f"{len(aci)} ACI-Bench sentences {Counter(p for _, p, _ in aci)}")
    print(f"{len(mts)} MTS-Dialog sentences {Counter(p for _, p, _ in mts)}")
    vectorizer, model = fit(*_weighted(aci, mts))
    place, part = accuracy(vectorizer, model, aci_sentences("valid"))
    print(f"valid: place accuracy {place:.3f}, part of the visit {part:.3f}")
    if "--evaluate" in argv:
        encounters = sorted({e for _, _, e in aci})
        fold = {e: i % FOLDS for i, e in enumerate(encounters)}
        for k in range(FOLDS):
            kept = [s for s in aci if fold[s[2]] != k]
            held = [s for s in aci if fold[s[2]] == k]
            place, part = accuracy(*fit(*_weighted(kept, mts)), held)
            print(f"train fold {k}: place accuracy {place:.3f}, part {part:.3f}")
        return
    linear.save(note_places.ARTIFACT, vectorizer, model)


if __name__ == "__main__":
    main(sys.argv[1:])
