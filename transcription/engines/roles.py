"""Speaker turns and roles from what was said, for recordings without diarization
(the offline engine, live and uploaded).

Each utterance's sentences are scored by a logistic regression over word unigrams and
bigrams (`roles_model/roles.npz`, built by `bench/roles.py build` from ACI-Bench train and
MTS-Dialog, CC BY 4.0: see `roles_model/README.md`): how much more like a clinician's
words than a patient's they read; a second one scores each pair of consecutive
sentences for a change of speaker (a question, then its answer). A two-state hidden
Markov model then decodes the turns: the chance that the speaker stays is one prior
within an utterance (high: the VAD cut no pause there) and another between
utterances, moved by the pair's score. An upload is decoded whole (Viterbi); a
live recording one final at a time, from what came before it (forward filtering),
since a stored final is not relabelled.

A final whose sentences decode to both roles is split there into two results, its
time shared by the length of the text. The speaker number is the role's:
0 for the clinician's voice, 1 for the patient's (`SPEAKER_ROLES`, which the
session starts with, so the encounter page names them and the clinician can rename
either).
"""

import dataclasses
import functools
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from transcription.engines.base import Result

ARTIFACT = Path(__file__).with_name("roles_model") / "roles.npz"
ROLES = ("clinician", "patient")
SPEAKER_ROLES = {"0": "clinician", "1": "patient"}  # speaker number -> role

TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+(?:[.,]\d+)?|\?")
ENDS = (".", "?", "!")
SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=\S)")


def initial_roles(engine: str) -> dict[str, str]:
    """The speaker roles a new recording on `engine` starts with: the offline engine
    numbers its speakers by role; others' are named by the clinician."""
    return dict(SPEAKER_ROLES) if engine == "offline" else {}


def features(text: str) -> list[str]:
    """The words, numbers as `<n>`, and `?`, as unigrams and bigrams with the
    utterance's edges, and a length bucket (a bare 'okay' reads differently from
    a long account)."""
    words = [
        "<n>" if w[0].isdigit() else w
        for w in TOKEN.findall(text.lower().replace("\u2019", "'"))
    ]
    if not words:
        return []
    edged = ["<s>", *words, "</s>"]
    out = words + [f"{a} {b}" for a, b in zip(edged, edged[1:], strict=False)]
    size = len(words)
    out.append(
        "<len:1>"
        if size <= 2
        else "<len:2>"
        if size <= 8
        else "<len:3>"
        if size <= 25
        else "<len:4>"
    )
    return out


def pair_features(previous: str, text: str) -> list[str]:
    """Two consecutive sentences' features, told apart (`a:` the first)."""
    return [f"a:{f}" for f in features(previous)] + [f"b:{f}" for f in features(text)]


def sentences(text: str) -> list[str]:
    """The sentences of an utterance, as Whisper punctuates them."""
    return [s for s in SENTENCE_END.split(text.strip()) if s]


class Linear:
    """A logistic regression over present features, scaled by 1/sqrt(how many)."""

    def __init__(self, data, prefix: str) -> None:
        vocabulary = str(data[f"{prefix}vocabulary"]).split("\n")
        self.index = {feature: n for n, feature in enumerate(vocabulary)}
        self.weights = data[f"{prefix}weights"].astype(np.float64)
        self.bias = float(data[f"{prefix}bias"])

    def __call__(self, present: set[str]) -> float:
        if not present:
            return 0.0
        rows = [self.index[f] for f in present if f in self.index]
        total = self.weights[rows].sum() if rows else 0.0
        return float(total / math.sqrt(len(present)) + self.bias)


class RoleModel:
    """The shipped classifiers and the decoder's constants: the log-odds that a
    sentence is the clinician's, the log-odds that the speaker changes from one
    sentence to the next (a question, then its answer), and how far to trust each."""

    def __init__(self, path: Path = ARTIFACT) -> None:
        with np.load(path, allow_pickle=False) as data:
            self.role = Linear(data, "")
            self.change = Linear(data, "pair_")
            self.scale = float(data["scale"])
            self.pair_weight = float(data["pair_weight"])
            self.stay_within = float(data["stay_within"])
            self.stay_between = float(data["stay_between"])

    def score(self, text: str) -> float:
        """Log-odds that `text` is the clinician's (0: no telling)."""
        return self.role(set(features(text)))

    def emission(self, text: str) -> np.ndarray:
        """Log-likelihood of `text` under each role (clinician, patient)."""
        half = self.scale * self.score(text) / 2
        return np.array([half, -half])

    def stay(self, previous: str | None, text: str, *, within: bool) -> float:
        """The probability that `text` has the speaker of the sentence before it,
        said in the same utterance (`within`) or after a pause."""
        base = self.stay_within if within else self.stay_between
        if previous is None:
            return base
        odds = math.log(base / (1 - base)) - self.pair_weight * self.change(
            set(pair_features(previous, text))
        )
        return 1 / (1 + math.exp(-min(30.0, max(-30.0, odds))))


@functools.cache
def model() -> RoleModel:
    return RoleModel()


def transition(stay: float) -> np.ndarray:
    """Log-probabilities from role to role when the speaker stays with `stay`."""
    switch = math.log(1 - stay)
    return np.array([[math.log(stay), switch], [switch, math.log(stay)]])


def viterbi(
    emissions: Sequence[np.ndarray],
    stays: Sequence[float],
    start: np.ndarray | None = None,
) -> list[int]:
    """The likeliest roles of a sequence; `stays[i]` is the probability that unit i
    has the speaker of unit i - 1 (stays[0] is unused)."""
    if not emissions:
        return []
    score = (np.log([0.5, 0.5]) if start is None else start) + emissions[0]
    back = []
    for emission, stay in zip(emissions[1:], stays[1:], strict=True):
        options = score[:, None] + transition(stay)
        back.append(options.argmax(axis=0))
        score = options.max(axis=0) + emission
    path = [int(score.argmax())]
    for pointers in reversed(back):
        path.append(int(pointers[path[-1]]))
    return path[::-1]


def _forward(belief: np.ndarray, emissions, stays) -> np.ndarray:
    """The log-probability of each role at the last unit, given everything so far."""
    for emission, stay in zip(emissions, stays, strict=True):
        belief = np.logaddexp.reduce(belief[:, None] + transition(stay), axis=0)
        belief = belief + emission
        belief = belief - np.logaddexp.reduce(belief)
    return belief


def _units(result: Result, previous: str | None):
    """The final's sentences, their emissions, and the chance each keeps the
    speaker of the sentence before it (`previous` ends the final before). A final
    that goes on, in lower case, with a sentence the one before left open (Whisper
    cuts an upload into segments mid-sentence; the VAD cuts a long one) counts as
    the same utterance."""
    roles = model()
    parts = sentences(result.text) or [result.text]
    open_before = (
        previous is not None
        and not previous.rstrip().endswith(ENDS)
        and result.text.lstrip()[:1].islower()
    )
    stays = [
        roles.stay(before, part, within=n > 0 or open_before)
        for n, (before, part) in enumerate(
            zip([previous, *parts[:-1]], parts, strict=True)
        )
    ]
    return parts, [roles.emission(part) for part in parts], stays


def _pieces(result: Result, parts: list[str], labels: list[int]) -> list[Result]:
    """`result` with a speaker, cut where the decoded role changes. Each piece keeps
    its own words (their times, probabilities and what was heard), so a cut final
    keeps its marks; its times are its words' (without words: shared by the length
    of the text)."""
    runs: list[tuple[int, list[str]]] = []
    for part, label in zip(parts, labels, strict=True):
        if runs and runs[-1][0] == label:
            runs[-1][1].append(part)
        else:
            runs.append((label, [part]))
    if len(runs) == 1:
        return [dataclasses.replace(result, speaker=labels[0])]
    texts = [" ".join(texts) for _, texts in runs]
    words = _words_of(result, texts)
    bounds = _bounds(result, texts, words)
    return [
        dataclasses.replace(
            result,
            text=text,
            start_ms=start,
            end_ms=end,
            speaker=label,
            words=piece_words,
            heard=_heard(text, piece_words),
        )
        for (label, _), text, piece_words, (start, end) in zip(
            runs, texts, words, bounds, strict=True
        )
    ]


def _words_of(result: Result, texts: list[str]) -> list[tuple]:
    """Each piece's words: a word goes to the piece its first character is in
    (the final's text is its words joined by spaces). None of them when the words
    do not spell the text (an engine without words)."""
    if not result.words or " ".join(w.text for w in result.words) != result.text:
        return [()] * len(texts)
    starts, at = [], 0  # where each piece starts in the text
    for text in texts:
        at = result.text.index(text, at)
        starts.append(at)
        at += len(text)
    out: list[list] = [[] for _ in texts]
    at = 0
    for word in result.words:
        piece = max(n for n, start in enumerate(starts) if start <= at or n == 0)
        out[piece].append(word)
        at += len(word.text) + 1
    return [tuple(w) for w in out]


def _bounds(result: Result, texts: list[str], words: list[tuple]):
    """Each piece's (start_ms, end_ms), one after another from the final's start to
    its end: cut between two pieces' words when both have them, else by the length
    of the text."""
    span, total = result.end_ms - result.start_ms, sum(len(t) for t in texts)
    cuts, done = [], 0
    for n in range(len(texts) - 1):
        done += len(texts[n])
        cut = result.start_ms + span * done // total
        if words[n] and words[n + 1]:
            cut = (words[n][-1].end_ms + words[n + 1][0].start_ms) // 2
        cuts.append(min(result.end_ms, max(result.start_ms, cut)))
    edges = [result.start_ms, *cuts, result.end_ms]
    return list(zip(edges, edges[1:], strict=False))


def _heard(text: str, words: tuple) -> str:
    """What the engine wrote for a piece, when its words were rewritten."""
    heard = " ".join(w.heard or w.text for w in words)
    return heard if words and heard != text else ""


def assign(results: Iterable[Result]) -> list[Result]:
    """A whole recording's finals with speakers (0 clinician, 1 patient), each cut
    where the role changes within it (Viterbi over every sentence)."""
    results = list(results)
    units, emissions, stays, previous = [], [], [], None
    for result in results:
        parts, scores, chances = _units(result, previous)
        units.append(parts)
        emissions += scores
        stays += chances
        previous = parts[-1]
    labels = viterbi(emissions, stays)
    out, at = [], 0
    for result, parts in zip(results, units, strict=True):
        out += _pieces(result, parts, labels[at : at + len(parts)])
        at += len(parts)
    return out


class Turns:
    """A live recording's speakers, one final at a time."""

    def __init__(self) -> None:
        self.belief = np.log([0.5, 0.5])  # the role of the last sentence so far
        self.previous: str | None = None  # and its text

    def assign(self, result: Result) -> list[Result]:
        """The final with its speaker, or cut in two where the role changes."""
        parts, emissions, stays = _units(result, self.previous)
        entry = np.logaddexp.reduce(self.belief[:, None] + transition(stays[0]), axis=0)
        labels = viterbi(emissions, stays, start=entry)
        self.belief = _forward(self.belief, emissions, stays)
        self.previous = parts[-1]
        return _pieces(result, parts, labels)
