"""The section classifiers' one home: a multinomial logistic regression over feature
names, stored as a small .npz (vocabulary, float16 weights, classes) and read with
numpy alone.

Two are built with it, from ACI-Bench train and MTS-Dialog train (both CC BY 4.0;
see their modules for the attribution): the drafter's, over transcript turns
(placement.py, built by build_placement.py), and the verifier's, over the sentences
a drafter wrote (note_places.py, built by build_note_places.py). `fit` and `save`
are the builds' (scikit-learn, from requirements-dev.txt, imported only there);
`probabilities` is the run time's.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+(?:\.\d+)?")
# The three parts of a visit each place belongs to.
PART_OF_PLACE = {
    "complaint": "history", "hpi": "history", "ros": "history",
    "past_history": "history", "medications": "history", "allergies": "history",
    "exam": "exam", "results": "exam", "assessment": "plan", "plan": "plan",
    "instructions": "plan",
}  # fmt: skip


def tokens(text: str) -> list[str]:
    """Lower-case words, every number as "<num>"."""
    found = _TOKEN.findall(text.lower().replace("’", "'"))
    return ["<num>" if token[0].isdigit() else token for token in found]


@functools.cache
def _model(artifact: Path) -> tuple[dict[str, int], np.ndarray, np.ndarray, tuple]:
    with np.load(artifact, allow_pickle=False) as data:
        vocab = {name: i for i, name in enumerate(data["vocab"].tolist())}
        coef = data["coef"].astype(np.float32)
        intercept = data["intercept"].astype(np.float32)
        classes = tuple(data["classes"].tolist())
    return vocab, coef, intercept, classes


def probabilities(artifact: Path, names: list[str]) -> dict[str, float]:
    """Place -> probability, for one statement's feature names."""
    vocab, coef, intercept, classes = _model(artifact)
    counts: dict[int, float] = {}
    for name in names:
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


def fit(
    samples: list,
    labels: list[str],
    weights: list[float],
    *,
    analyzer: Callable,
    max_features: int,
    c: float = 4.0,
    max_iter: int = 2000,
):
    """(vectorizer, model) learned from the samples, each read by `analyzer`."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(
        analyzer=analyzer, use_idf=False, norm="l2", min_df=2,
        max_features=max_features,
    )  # fmt: skip
    model = LogisticRegression(C=c, max_iter=max_iter, class_weight="balanced")
    model.fit(vectorizer.fit_transform(samples), labels, sample_weight=weights)
    return vectorizer, model


def save(artifact: Path, vectorizer, model) -> None:
    np.savez_compressed(
        artifact,
        vocab=np.array(vectorizer.get_feature_names_out(), dtype=str),
        coef=model.coef_.astype(np.float16),
        intercept=model.intercept_.astype(np.float16),
        classes=np.array(model.classes_, dtype=str),
    )
    print(f"wrote {artifact} ({artifact.stat().st_size} bytes)")
