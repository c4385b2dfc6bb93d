"""Build placement.npz, the offline drafter's section classifier (placement.py).

Data (CC BY 4.0, read from ../shared/data/, never copied into the repository):
ACI-Bench train (Yim et al., 2023; its test splits are held out and never read) and
MTS-Dialog train (Ben Abacha et al., 2023). ACI-Bench: each turn takes the place of
the reference-note sentences aligned to it (reference.turn_places; the most frequent
one), or "none" when no sentence rests on it. MTS-Dialog: each turn of a dialogue with
at least three words takes its section's place (SECTION_PLACES), no position.

Run (scikit-learn from requirements-dev.txt):
`.venv/bin/python -m templates_app.generation.offline.build_placement [--evaluate]`
(`--evaluate`: accuracy on ACI-Bench valid's aligned turns, nothing written).
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from templates_app.generation.offline import linear, placement, reference

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data"
SECTION_PLACES = {
    "CC": "complaint", "GENHX": "hpi", "ROS": "ros", "MEDICATIONS": "medications",
    "ALLERGY": "allergies", "PASTMEDICALHX": "past_history",
    "PASTSURGICAL": "past_history", "FAM/SOCHX": "past_history",
    "GYNHX": "past_history", "IMMUNIZATIONS": "past_history",
    "OTHER_HISTORY": "past_history", "EXAM": "exam", "IMAGING": "results",
    "LABS": "results", "ASSESSMENT": "assessment", "DIAGNOSIS": "assessment",
    "PLAN": "plan", "DISPOSITION": "plan",
}  # fmt: skip
MAX_FEATURES = 6000
MTS_WEIGHT = 0.5


def aci_turns(split: str) -> list[tuple[list[str], str]]:
    csv.field_size_limit(10**9)
    out = []
    with open(SHARED / "aci-bench" / f"{split}.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            lines = [
                re.match(r"^\[(\w+)\]\s*(.*)$", line.strip())
                for line in row["dialogue"].splitlines()
            ]
            lines = [m for m in lines if m and m.group(2).strip()]
            turns = {i: m.group(2) for i, m in enumerate(lines, start=1)}
            places = reference.turn_places(row["note"], turns)
            for seq, text in turns.items():
                role = (
                    "patient" if lines[seq - 1].group(1) == "patient" else "clinician"
                )
                label = places[seq].most_common(1)[0][0] if seq in places else "none"
                feats = placement.features(
                    text, turns.get(seq - 1, ""), role, (seq - 1) / len(turns)
                )
                out.append((feats, label))
    return out


def mts_sections(path: Path):
    """(place, row) for each MTS-Dialog dialogue-section pair whose section has one."""
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            place = SECTION_PLACES.get(row["section_header"])
            if place is not None:
                yield place, row


def mts_turns(path: Path) -> list[tuple[list[str], str]]:
    out = []
    for label, row in mts_sections(path):
        previous = ""
        for line in row["dialogue"].splitlines():
            speaker, _, text = line.partition(":")
            role = "patient" if "patient" in speaker.lower() else "clinician"
            if len(text.split()) >= 3:
                out.append((placement.features(text, previous, role), label))
            previous = text
    return out


def fit(samples: list[tuple[list[str], str]], weights: list[float]):
    return linear.fit(
        [f for f, _ in samples], [label for _, label in samples], weights,
        analyzer=lambda feats: feats, max_features=MAX_FEATURES,
    )  # fmt: skip


def main(argv: list[str]) -> None:
    aci = aci_turns("train")
    mts = mts_turns(SHARED / "mts-dialog" / "MTS-Dialog-TrainingSet.csv")
    samples = aci + mts
    weights = [1.0] * len(aci) + [MTS_WEIGHT] * len(mts)
    print(f"{len(aci)} ACI-Bench turns {Counter(label for _, label in aci)}")
    print(f"{len(mts)} MTS-Dialog turns {Counter(label for _, label in mts)}")
    vectorizer, model = fit(samples, weights)
    valid = aci_turns("valid")
    predicted = model.predict(vectorizer.transform([f for f, _ in valid]))
    truth = [label for _, label in valid]
    placed = [(p, t) for p, t in zip(predicted, truth, strict=True) if t != "none"]
    print(
        f"valid: accuracy {np.mean([p == t for p, t in zip(predicted, truth, strict=True)]):.3f}"
        f" over {len(truth)} turns; on the {len(placed)} turns a note sentence rests on "
        f"{np.mean([p == t for p, t in placed]):.3f}"
    )
    if "--evaluate" in argv:
        return
    linear.save(placement.ARTIFACT, vectorizer, model)


if __name__ == "__main__":
    main(sys.argv[1:])
