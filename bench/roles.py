"""Speaker roles from what was said (issue 23, item 5): build the classifier that
`transcription/engines/roles.py` ships, and measure it.

    .venv/bin/python bench/roles.py build     # writes transcription/engines/roles_model/
    .venv/bin/python bench/roles.py measure   # ACI-Bench VALID text, per utterance
    .venv/bin/python bench/roles.py audio --dialogues 3   # what Whisper emits
    .venv/bin/python bench/roles.py --smoke   # seconds: the measuring path on two
                                              # visits written here (no ../shared)

Data (CC BY 4.0, development splits only; ACI-Bench's test splits are held out and never
read): ACI-Bench train (`[doctor] ...` / `[patient] ...` lines) and MTS-Dialog's training
set (`Doctor:` / `Patient:` turns) train it; ACI-Bench valid and MTS-Dialog's validation
set measure it. `build` needs scikit-learn (requirements-dev.txt); the product does not.

The model: each sentence of an utterance becomes word unigrams and bigrams (present or
not, scaled by 1/sqrt(how many)); a logistic regression gives the log-odds that a
clinician said it, and another, over two consecutive sentences, the log-odds that the
speaker changed between them (a question, then its answer). The decoder's constants
(how far to trust each score, and how likely the speaker stays the same within an
utterance and between utterances) are chosen on the
training dialogues' out-of-fold scores, cut into utterances as a VAD would cut them
(`vad_cut`): sentences of a turn often apart, two speakers' lines sometimes together.
"""

import argparse
import asyncio
import csv
import itertools
import json
import os
import random
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noumaris.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

DATA = ROOT.parent / "shared" / "data"
ACI_TRAIN = DATA / "aci-bench" / "train.csv"
ACI_VALID = DATA / "aci-bench" / "valid.csv"
MTS_TRAIN = DATA / "mts-dialog" / "MTS-Dialog-TrainingSet.csv"
MTS_VALID = DATA / "mts-dialog" / "MTS-Dialog-ValidationSet.csv"
FOLDER = ROOT / "transcription" / "engines" / "roles_model"

ACI_LINE = re.compile(r"^\[(\w+)\]\s*(.*)$")
MTS_LINE = re.compile(r"^([A-Za-z_]+\d?)\s*:\s*(.*)$")
CLINICIAN, PATIENT = 0, 1


def spoken(text: str) -> str:
    """ACI-Bench's tokenised, lower-case text (`i'm doing okay .`) as Whisper would
    write it: `I'm doing okay.` (a capital first letter, closing punctuation)."""
    text = re.sub(r"\s+([.,?!;:])", r"\1", text)
    text = re.sub(r"\s+'", "'", text).strip()
    text = re.sub(r"\bi\b", "I", text)
    if not text.endswith((".", "?", "!")):
        text += "."
    return text[:1].upper() + text[1:]


def role_of(label: str) -> int:
    """Doctors (and a guest clinician) are clinicians; patients and family are not."""
    label = label.lower()
    if label.startswith(("doc", "guest_clinic")):
        return CLINICIAN
    return PATIENT


def aci(path: Path) -> list[list[tuple[int, str]]]:
    csv.field_size_limit(10**8)
    dialogues = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            lines = []
            for raw in row["dialogue"].splitlines():
                match = ACI_LINE.match(raw.strip())
                if match and match.group(2).strip():
                    lines.append((role_of(match.group(1)), spoken(match.group(2))))
            dialogues.append(lines)
    return dialogues


def mts(path: Path) -> list[list[tuple[int, str]]]:
    dialogues = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            lines: list[tuple[int, str]] = []
            for raw in row["dialogue"].splitlines():
                match = MTS_LINE.match(raw.strip())
                if match:
                    lines.append((role_of(match.group(1)), match.group(2).strip()))
                elif lines and raw.strip():  # a turn's next line
                    lines[-1] = (lines[-1][0], f"{lines[-1][1]} {raw.strip()}")
            dialogues.append([line for line in lines if line[1]])
    return dialogues


def vad_cut(lines, rng: random.Random, *, apart=0.4, together=0.15):
    """The dialogue as a VAD cuts it: a list of utterances, each a list of
    (role, sentence). A turn's sentences are apart with probability `apart`; two
    speakers' lines run together with probability `together`."""
    from transcription.engines.roles import sentences

    utterances: list[list[tuple[int, str]]] = []
    for n, (role, text) in enumerate(lines):
        for m, sentence in enumerate(sentences(text) or [text]):
            joined = m > 0 and rng.random() >= apart
            joined = joined or (m == 0 and n > 0 and rng.random() < together)
            if joined and utterances:
                utterances[-1].append((role, sentence))
            else:
                utterances.append([(role, sentence)])
    return utterances


# --- building ---------------------------------------------------------------------------
def examples(dialogues):
    """Each sentence (its role: 1 clinician) and each pair of consecutive sentences
    (`a\tb`; 1 when the speaker changes), as the two classifiers learn them."""
    from transcription.engines.roles import sentences

    said, roles, pairs, changes = [], [], [], []
    for lines in dialogues:
        units = [(r, s) for r, text in lines for s in sentences(text) or [text]]
        for n, (role, sentence) in enumerate(units):
            said.append(sentence)
            roles.append(int(role == CLINICIAN))
            if n:
                pairs.append(f"{units[n - 1][1]}\t{sentence}")
                changes.append(int(units[n - 1][0] != role))
    return (said, np.array(roles)), (pairs, np.array(changes))


def _pair_features(pair: str) -> list[str]:
    from transcription.engines.roles import pair_features

    return pair_features(*pair.split("\t"))


def fit(texts, labels, c: float, analyzer):
    """A logistic regression over present features scaled by 1/sqrt(how many),
    every feature of the text counted, known or not (as roles.Linear reads it)."""
    from scipy.sparse import diags
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = CountVectorizer(analyzer=analyzer, binary=True, min_df=2)
    sizes = np.array([max(1, len(set(analyzer(t)))) for t in texts])
    x = diags(1 / np.sqrt(sizes)) @ vectorizer.fit_transform(texts)
    classifier = LogisticRegression(C=c, max_iter=2000).fit(x, labels)
    return vectorizer, classifier


def fit_both(dialogues, c: float) -> dict:
    from transcription.engines.roles import features

    (said, roles), (pairs, changes) = examples(dialogues)
    return {
        "": fit(said, roles, c, features),
        "pair_": fit(pairs, changes, c, _pair_features),
    }


def save(models: dict, params: dict, folder: Path, prune: float = 0.0) -> Path:
    """The artifact: per classifier its vocabulary, float16 weights and bias (weights
    under `prune` dropped), and the decoder's constants."""
    arrays = {k: np.float64(v) for k, v in params.items()}
    for prefix, (vectorizer, classifier) in models.items():
        vocabulary = vectorizer.get_feature_names_out()
        weights = classifier.coef_[0]
        keep = np.abs(weights) >= prune
        arrays[f"{prefix}vocabulary"] = np.array("\n".join(vocabulary[keep]))
        arrays[f"{prefix}weights"] = weights[keep].astype(np.float16)
        arrays[f"{prefix}bias"] = np.float64(classifier.intercept_[0])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "roles.npz"
    np.savez_compressed(path, **arrays)
    return path


DEFAULTS = {"scale": 1.0, "pair_weight": 1.0, "stay_within": 0.9, "stay_between": 0.3}


def out_of_fold(dialogues, extra, c: float, folds: int = 5):
    """Each training sentence's clinician score, and each consecutive pair's change
    score, from models that never saw its dialogue (ACI-Bench train in folds;
    MTS-Dialog always in the training part)."""
    from transcription.engines import roles

    scores: dict[str, float] = {}
    changes: dict[str, float] = {}
    folder = Path(tempfile.mkdtemp(prefix="roles-oof-"))
    for fold in range(folds):
        held = [d for n, d in enumerate(dialogues) if n % folds == fold]
        kept = [d for n, d in enumerate(dialogues) if n % folds != fold] + extra
        model = roles.RoleModel(save(fit_both(kept, c), DEFAULTS, folder))
        (said, _), (pairs, _) = examples(held)
        scores |= {s: model.score(s) for s in said}
        changes |= {p: model.change(set(_pair_features(p))) for p in pairs}
    return scores, changes


def decode_accuracy(dialogues, scores, changes, params, seed=7) -> float:
    """Sentence accuracy of the whole-recording decode on VAD-cut dialogues."""
    from transcription.engines.roles import viterbi

    rng = random.Random(seed)
    right = total = 0
    for lines in dialogues:
        emissions, stays, truth, previous = [], [], [], None
        for utterance in vad_cut(lines, rng):
            for m, (role, sentence) in enumerate(utterance):
                half = params["scale"] * scores[sentence] / 2
                emissions.append(np.array([half, -half]))
                base = params["stay_within"] if m else params["stay_between"]
                odds = np.log(base / (1 - base))
                if previous is not None:
                    odds -= params["pair_weight"] * changes[f"{previous}\t{sentence}"]
                stays.append(1 / (1 + np.exp(-odds)))
                truth.append(role)
                previous = sentence
        labels = viterbi(emissions, stays)
        right += sum(int(a == b) for a, b in zip(labels, truth, strict=True))
        total += len(truth)
    return right / total


def build(args) -> None:
    train, extra = aci(ACI_TRAIN), mts(MTS_TRAIN)
    scores, changes = out_of_fold(train, extra, args.c)
    best = None
    for scale, weight, within, between in itertools.product(
        (1.0, 1.5, 2.0, 3.0), (0.0, 0.5, 1.0, 1.5), (0.7, 0.8, 0.9), (0.1, 0.2, 0.3)
    ):
        params = {
            "scale": scale,
            "pair_weight": weight,
            "stay_within": within,
            "stay_between": between,
        }
        accuracy = decode_accuracy(train, scores, changes, params)
        if best is None or accuracy > best[0]:
            best = (accuracy, params)
    accuracy, params = best
    print(f"out-of-fold sentence accuracy on VAD-cut train dialogues: {accuracy:.3f}")
    print(params)
    path = save(fit_both(train + extra, args.c), params, FOLDER, prune=args.prune)
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1024:.0f} KB")


# --- measuring -------------------------------------------------------------------------
def measure(args) -> None:
    from transcription.engines import roles

    for name, dialogues in (
        ("ACI-Bench valid", aci(ACI_VALID)),
        ("MTS-Dialog validation", mts(MTS_VALID)),
    ):
        print(f"{name}: {len(dialogues)} dialogues")
        print(json.dumps(lines_accuracy(dialogues), indent=1))
        print(json.dumps(cut_accuracy(dialogues, random.Random(11)), indent=1))
    del roles


def _results(utterances):
    """Utterances as engine results whose times are character offsets, and each
    character's true role."""
    from transcription.engines.base import Result

    results, truth, at = [], [], 0
    for utterance in utterances:
        text = " ".join(s for _, s in utterance)
        start = at
        for n, (role, sentence) in enumerate(utterance):
            truth += [role] * (len(sentence) + (1 if n else 0))
        at += len(text)
        results.append(Result(text=text, is_final=True, start_ms=start, end_ms=at))
    return results, truth


def _said(pieces, size):
    said = [None] * size
    for piece in pieces:
        for i in range(piece.start_ms, piece.end_ms):
            said[i] = piece.speaker
    return said


def _decodes(results):
    from transcription.engines import roles

    turns = roles.Turns()
    model = roles.model()
    return {
        "per utterance": [
            r.__class__(**{**_fields(r), "speaker": int(model.score(r.text) < 0)})
            for r in results
        ],
        "live (forward)": [p for r in results for p in turns.assign(r)],
        "upload (Viterbi)": roles.assign(results),
    }


def _fields(result):
    return {k: getattr(result, k) for k in result.__slots__}


def lines_accuracy(dialogues) -> dict:
    """Each line one utterance: the share of lines whose role (of most of its
    characters) is right."""
    right, total = {}, 0
    for lines in dialogues:
        results, truth = _results([[line] for line in lines])
        for name, pieces in _decodes(results).items():
            said = _said(pieces, len(truth))
            for r, (role, _) in zip(results, lines, strict=True):
                span = said[r.start_ms : r.end_ms]
                majority = max(set(span), key=span.count)
                right[name] = right.get(name, 0) + int(majority == role)
        total += len(lines)
    return {"unit": "line", "lines": total} | {
        k: round(v / total, 3) for k, v in right.items()
    }


def cut_accuracy(dialogues, rng) -> dict:
    """Lines cut as a VAD would: the share of the words given the right role."""
    right, total, count = {}, 0, 0
    for lines in dialogues:
        utterances = vad_cut(lines, rng)
        count += len(utterances)
        results, truth = _results(utterances)
        for name, pieces in _decodes(results).items():
            said = _said(pieces, len(truth))
            right[name] = right.get(name, 0) + sum(
                int(a == b) for a, b in zip(said, truth, strict=True)
            )
        total += len(truth)
    return {"unit": "character of VAD-cut utterances", "utterances": count} | {
        k: round(v / total, 3) for k, v in right.items()
    }


# --- through Whisper --------------------------------------------------------------------
def audio(args) -> None:
    """ACI-Bench valid dialogues spoken by espeak-ng (two voices, `--gap` seconds
    between lines), through the live engine and the upload path; each final's role
    against the line it overlaps most."""
    import django

    django.setup()
    import asr

    from transcription.engines.offline import transcribe_recording

    asr.GAP_S = args.gap
    asr.CACHE = Path("~/.cache/noumaris-roles").expanduser()
    totals: dict[str, list[int]] = {}
    for n, lines in enumerate(aci(ACI_VALID)[: args.dialogues]):
        spoken_lines = [
            ("doctor" if r == CLINICIAN else "patient", t) for r, t in lines
        ]
        item = asr.synthesise(f"valid{n}-gap{args.gap}", spoken_lines)
        pcm, spans = asr.clip(item, args.seconds)
        results, _, _ = asyncio.run(asr.stream("offline", pcm, real_time=False))
        live = [r for _, r in results if r.is_final]
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        upload = transcribe_recording(samples, beam_size=5)
        for name, finals in (("live", live), ("upload", upload)):
            right = sum(int(_truth(r, spans) == r.speaker) for r in finals)
            totals.setdefault(name, [0, 0])
            totals[name][0] += right
            totals[name][1] += len(finals)
            print(f"dialogue {n} {name}: {right}/{len(finals)} utterances right")
    for name, (right, total) in totals.items():
        print(f"{name}: {right}/{total} = {right / max(total, 1):.3f}")


def _truth(result, spans) -> int:
    """The role of the spoken line that overlaps the result most."""
    start, end = result.start_ms * 16, result.end_ms * 16
    best = max(spans, key=lambda s: min(end, s[3]) - max(start, s[2]))
    return CLINICIAN if best[0] == "doctor" else PATIENT


SMOKE = [
    [
        (CLINICIAN, "Hi, I'm Doctor Lee. What brings you in today?"),
        (PATIENT, "I've had a cough for about two weeks and it keeps me up at night."),
        (CLINICIAN, "Any fever or shortness of breath?"),
        (PATIENT, "No fever, but I get winded on the stairs."),
        (CLINICIAN, "Let me listen to your lungs. Take a deep breath for me."),
        (CLINICIAN, "I hear some wheezing on the right. We'll get a chest x-ray."),
        (PATIENT, "Okay, thank you."),
    ],
    [
        (CLINICIAN, "How has your blood pressure been at home?"),
        (PATIENT, "It's been running around one fifty over ninety."),
        (CLINICIAN, "Are you taking the lisinopril every day?"),
        (PATIENT, "Most days, I sometimes forget it in the morning."),
        (CLINICIAN, "I'd like to increase it to twenty milligrams daily."),
    ],
]


def smoke() -> None:
    """The measuring path on SMOKE: fails if the model or the decoders break."""
    lines = lines_accuracy(SMOKE)
    cut = cut_accuracy(SMOKE, random.Random(11))
    print(json.dumps({"lines": lines, "cut": cut}, indent=1))
    if lines["upload (Viterbi)"] < 0.6:
        sys.exit(
            f"smoke: upload roles right on {lines['upload (Viterbi)']:.0%} of lines"
        )


def main() -> None:
    if "--smoke" in sys.argv[1:]:
        return smoke()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("--c", type=float, default=4.0, help="inverse regularisation")
    b.add_argument("--prune", type=float, default=0.3, help="drop smaller weights")
    sub.add_parser("measure")
    a = sub.add_parser("audio")
    a.add_argument("--dialogues", type=int, default=3)
    a.add_argument("--seconds", type=float, default=0, help="per dialogue (0: all)")
    a.add_argument("--gap", type=float, default=0.8, help="seconds between lines")
    args = parser.parse_args()
    {"build": build, "measure": measure, "audio": audio}[args.command](args)


if __name__ == "__main__":
    main()
