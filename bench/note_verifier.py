"""Benchmark the statement verifier (templates_app/generation/verify.py) on injected
errors in statements built from ACI-Bench reference notes.

Data: ACI-Bench train and valid (../shared/data/aci-bench/, CC BY 4.0), read from
there; its test splits are held out and refused here.

Statements: each sentence of a reference note (headings and sentences under
MIN_WORDS content words left out) is cited to the 1-3 consecutive dialogue turns
that support it best (the turns are the segments, numbered from 1); it is kept when
at least ALIGN_MIN of its content words are in them: a statement a drafter could
have written with that citation. Each kept statement is scored twice: as it is
(clean) and with one injected error, the kind used least so far among those that apply to it:
a changed number (dose, vital, duration), a flipped negation (a negation removed,
or "reports/has" made "denies/does not have"), a swapped side (left/right), an
invented drug (a drug its turns do not name added to it, or replacing its drug).

Scores: an injected error is caught when the corrupted statement gets a flag its
clean version does not get; a false alarm is any flag on a clean statement. An
injection whose clean statement already carries a flag of that kind (the reference
disagrees with its own turns on that point) cannot be measured and is left out,
counted; its clean statement's flag still counts as a false alarm.
Precision = caught / (caught + false alarms); recall = caught / injected.
Target (issue 24): recall >= 0.95 at precision >= 0.85, over at least 200 injected errors.

Run: `.venv/bin/python bench/note_verifier.py [--splits train,valid] [--limit N]
[--smoke]` (`--smoke`: the two encounters of bench/smoke/, a few seconds; exits
non-zero when the script breaks).
`evaluate(...)` returns the figures for bench/note_quality.py.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from templates_app.generation import verify  # noqa: E402
from templates_app.generation.offline import reference  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "aci-bench"
SMOKE = ROOT / "bench" / "smoke" / "aci_smoke.csv"
# The section a statement of each reference place would sit in (a H&P's keys).
SECTION_OF_PLACE = {
    "complaint": "chief_complaint", "hpi": "hpi", "ros": "review_of_systems",
    "past_history": "past_history", "medications": "medications",
    "allergies": "allergies", "exam": "exam", "results": "results",
    "assessment": "assessment", "plan": "plan", "instructions": "plan",
}  # fmt: skip
# Where a misplaced statement is put: a section of another group.
MISPLACE = {
    "chief_complaint": "plan", "hpi": "plan", "review_of_systems": "plan",
    "past_history": "exam", "medications": "allergies", "allergies": "exam",
    "exam": "allergies", "results": "hpi", "assessment": "hpi", "plan": "hpi",
}  # fmt: skip
DIAGNOSES = ("hypertension", "diabetes", "pneumonia", "heart failure", "asthma",
             "depression", "osteoarthritis", "hypothyroidism")  # fmt: skip
SPLITS = ("train", "valid")
ALIGN_MIN = 0.6
MIN_WORDS = 3
MAX_WINDOW = 3
# Drugs an injection may add: common outpatient drugs, checked absent from the turns.
DRUGS = (
    "metformin", "lisinopril", "atorvastatin", "amlodipine", "omeprazole",
    "levothyroxine", "gabapentin", "prednisone", "amoxicillin", "sertraline",
    "warfarin", "furosemide", "hydrochlorothiazide", "albuterol", "insulin",
    "azithromycin", "ibuprofen", "tramadol", "clopidogrel", "montelukast",
)  # fmt: skip
NEGATE = (
    (r"\bdenies\b", "reports"),
    (r"\bdenied\b", "reported"),
    (r"\bno (?:signs? of |evidence of )?", ""),
    (r"\bnegative for\b", "positive for"),
    (r"\b(is|was|does|did|has|have|are|were) not\b", r"\1"),
    (r"\b(does|did|has|have|is|was)n't\b", r"\1"),
    (r"\bwithout\b", "with"),
)
AFFIRM = (
    (r"\breports\b", "denies"),
    (r"\breported\b", "denied"),
    (r"\bendorses\b", "denies"),
    (r"\bhas\b", "does not have"),
    (r"\bhad\b", "did not have"),
    (r"\bis\b", "is not"),
    (r"\bwas\b", "was not"),
)
SIDE_SWAP = {"left": "right", "right": "left", "Left": "Right", "Right": "Left"}


@dataclass(frozen=True)
class Case:
    encounter: str
    statement: str
    seqs: tuple[int, ...]
    kind: str = ""  # the injected error; "" for the clean statement
    section: str = "hpi"


def load(split: str) -> list[dict]:
    if split not in (*SPLITS, "smoke"):
        raise SystemExit(f"Only {', '.join(SPLITS)}: the test splits are held out.")
    path = SMOKE if split == "smoke" else DATA / f"{split}.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def turns(dialogue: str) -> dict[int, str]:
    lines = [
        re.sub(r"^\[[a-z_ ]+\]\s*", "", line).strip() for line in dialogue.splitlines()
    ]
    return {seq: text for seq, text in enumerate((x for x in lines if x), start=1)}


def reference_sentences(note: str) -> list[str]:
    out = []
    for line in note.splitlines():
        line = line.strip(" •-*\t")
        if not line or line.isupper() or line.endswith(":"):
            continue
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", line):
            if len(verify.content_words(sentence)) >= MIN_WORDS:
                out.append(sentence.strip())
    return out


# The alignment the section classifier is built on (reference.py).
align = reference.align
_words_of = reference.turn_words


# --- Injections ----------------------------------------------------------------------


def change_number(text: str, cited: str, rng: random.Random) -> str | None:
    found = list(re.finditer(r"\b\d+(?:\.\d+)?\b", text))
    if not found:
        return None
    match = rng.choice(found)
    value = float(match.group(0))
    have = verify.numbers(cited, spoken=True)
    for candidate in (value * 2, value + 1, value * 10, value + 5):
        if candidate not in have and candidate != value:
            shown = verify._number(candidate)
            return text[: match.start()] + shown + text[match.end() :]
    return None


def flip_negation(text: str, cited: str, rng: random.Random) -> str | None:
    for pattern, replacement in NEGATE:
        if re.search(pattern, text, re.I):
            return re.sub(pattern, replacement, text, count=1, flags=re.I)
    for pattern, replacement in AFFIRM:
        if re.search(pattern, text):
            return re.sub(pattern, replacement, text, count=1)
    return None


def swap_side(text: str, cited: str, rng: random.Random) -> str | None:
    if not re.search(r"\b(left|right|Left|Right)\b", text):
        return None
    return re.sub(r"\b(left|right|Left|Right)\b", lambda m: SIDE_SWAP[m.group(1)], text)


def invent_drug(text: str, cited: str, rng: random.Random) -> str | None:
    present = verify.drugs(cited) | verify.drugs(text)
    choices = [d for d in DRUGS if d not in present and d not in cited.lower()]
    if not choices:
        return None
    drug = rng.choice(choices)
    named = verify.drugs(text)
    if named:
        for token in re.findall(r"[A-Za-z][A-Za-z-]*", text):
            if verify.drugs(token) & named:
                return re.sub(rf"\b{re.escape(token)}\b", drug, text, count=1)
    return f"{text.rstrip('.')}, and {drug} was started."


def add_diagnosis(text: str, cited: str, rng: random.Random) -> str | None:
    low = cited.lower() + " " + text.lower()
    choices = [d for d in DIAGNOSES if d not in low]
    if not choices:
        return None
    return f"{text.rstrip('.')}, consistent with {rng.choice(choices)}."


INJECTIONS = {
    "number": change_number,
    "negation": flip_negation,
    "laterality": swap_side,
    "drug": invent_drug,
    "diagnosis": add_diagnosis,
    "placement": None,  # the same words, filed in another section (MISPLACE)
}


def build_cases(rows: list[dict], rng: random.Random) -> tuple[list[Case], dict]:
    """Clean statements and their corrupted twins, and the segments of each note."""
    cases: list[Case] = []
    segments_of: dict[str, dict[int, str]] = {}
    used = Counter({kind: 0 for kind in INJECTIONS})
    for row in rows:
        segments = turns(row["dialogue"])
        segments_of[row["encounter_id"]] = segments
        words_of = _words_of(segments)
        for place, sentence in reference.note_sentences(row["note"]):
            if len(verify.content_words(sentence)) < MIN_WORDS:
                continue
            seqs, score = align(sentence, words_of)
            if score < ALIGN_MIN:
                continue
            cited = " ".join(segments[s] for s in seqs)
            section = SECTION_OF_PLACE[place]
            # the kind used least so far, of those that apply: a balanced mix
            for kind in sorted(INJECTIONS, key=lambda k: (used[k], rng.random())):
                moved = section
                if kind == "placement":
                    corrupted, moved = sentence, MISPLACE[section]
                else:
                    corrupted = INJECTIONS[kind](sentence, cited, rng)
                    if not corrupted or corrupted == sentence:
                        continue
                used[kind] += 1
                eid = row["encounter_id"]
                cases.append(Case(eid, sentence, seqs, "", section))
                cases.append(Case(eid, corrupted, seqs, kind, moved))
                break
    return cases, segments_of


def _flag_kinds(case: Case, segments: dict[int, str]) -> set[str]:
    statement = verify.Statement(case.section, 0, case.statement, case.seqs)
    return {flag.kind for flag in verify.verify_statement(statement, segments)}


def evaluate(*, splits=SPLITS, limit: int | None = None, seed: int = 18) -> dict:
    """Precision and recall of the verifier on injected errors (see the docstring)."""
    rows = [row for split in splits for row in load(split)][:limit]
    cases, segments_of = build_cases(rows, random.Random(seed))
    caught, false_alarms, injected = Counter(), Counter(), Counter()
    unmeasurable = Counter()
    clean_flags: set[str] = set()
    missed: list[tuple[str, str]] = []
    for case in cases:
        kinds = _flag_kinds(case, segments_of[case.encounter])
        if not case.kind:
            clean_flags = kinds
            false_alarms.update(kinds or ())
            false_alarms["statements"] += bool(kinds)
            continue
        if case.kind in clean_flags:
            # The reference already disagrees with its turns on this very point
            # (its side, its dose...): the injection cannot be told apart.
            unmeasurable[case.kind] += 1
            continue
        injected[case.kind] += 1
        if kinds - clean_flags:
            caught[case.kind] += 1
        else:
            missed.append((case.kind, case.statement))
    tp, fp, n = sum(caught.values()), false_alarms["statements"], sum(injected.values())
    return {
        "encounters": len(rows),
        "statements": n,
        "injected": dict(injected),
        "caught": dict(caught),
        "recall": tp / n if n else 0.0,
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "clean_flagged": fp,
        "clean_statements": len(cases) // 2,
        "unmeasurable": dict(unmeasurable),
        "clean_flags_by_kind": {
            k: v for k, v in false_alarms.items() if k != "statements"
        },
        "recall_by_kind": {k: caught[k] / injected[k] for k in injected},
        "missed_examples": missed[:8],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", default=",".join(SPLITS))
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    if args.smoke:
        args.splits = "smoke"
    started = time.perf_counter()
    result = evaluate(splits=tuple(args.splits.split(",")), limit=args.limit)
    seconds = time.perf_counter() - started
    print(
        f"ACI-Bench {args.splits}: {result['encounters']} encounters, "
        f"{result['statements']} statements, {sum(result['injected'].values())} "
        f"injected errors ({seconds:.1f} s)"
    )
    print(
        f"recall {result['recall']:.3f}  precision {result['precision']:.3f}  "
        f"(clean statements flagged: {result['clean_flagged']})"
    )
    for kind, total in sorted(result["injected"].items()):
        print(
            f"  {kind:<11} {result['caught'].get(kind, 0):>4} / {total:<4} "
            f"recall {result['recall_by_kind'][kind]:.3f}"
        )
    print(f"  flags on clean statements by kind: {result['clean_flags_by_kind']}")
    for kind, statement in result["missed_examples"]:
        print(f"  missed {kind}: {statement[:110]}")


if __name__ == "__main__":
    main()
