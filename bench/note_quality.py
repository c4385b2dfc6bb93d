"""Score the offline drafter against ACI-Bench's reference notes.

ACI-Bench (CC BY 4.0) train and valid splits are read from ../shared/data/aci-bench/
(ACI_BENCH_DIR to override), never copied into the repository; the test splits are
held out for acceptance and never read. Each dialogue line becomes one segment
(`[doctor]` speaker 0, `[patient]` speaker 1, `[patient_guest]`, someone with the
patient, speaker 2; the tag removed, no role named); the note is drafted
with the SOAP and the History and Physical templates of seed_data and rendered as
plain text: each section's title, then its statements one a line, citations removed.

Measured per note, then the mean (the paper's scorer: `rouge-score`, no stemmer,
F-measure, ROUGE-L as `rougeLsum` over newline-separated sentences):
ROUGE-1/2/Lsum of the whole note and of three section groups (history, examination
and results, assessment and plan) against the reference's matching headings; the
note's length against the reference's; the share of statements that are questions
or fillers; citation validity; whether the draft has an assessment and a plan when
the reference (made from the transcript) has one; and issue 24's facts, placement
and voice (person, conversational, fragments, misplaced, fact recall, confusions,
A&P missing), defined in bench/note_metrics.py's docstring (printed by --help).
Also the raw transcript pasted as the note, and the sentence-filing drafter it
replaced (before, at BEFORE_REV).

Run: `.venv/bin/python bench/note_quality.py [train|valid ...] [--quick]
[--templates=SOAP,H&P,...] [--smoke]` (default: both splits, every template;
`--quick`: this drafter only; `--smoke`: the two encounters of bench/smoke/).
`drafts(split=..., template=...)` returns the drafts for other benchmarks (the
verifier's) to use.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("ACI_BENCH_DIR", ROOT.parent / "shared/data/aci-bench"))
SPLITS = ("train", "valid")
# The commit whose offline drafter this one replaced: the "before" of the figures.
BEFORE = os.environ.get("BEFORE_REV", "6bdfa62")

import note_metrics  # noqa: E402
import spacy  # noqa: E402
from rouge_score import rouge_scorer  # noqa: E402

from templates_app.generation.base import (  # noqa: E402
    DraftRequest,
    SectionSpec,
    Segment,
)
from templates_app.generation.citations import CITATION, cited_seqs  # noqa: E402
from templates_app.seed_data import (  # noqa: E402
    CONSULT,
    DISCHARGE,
    ED,
    HP,
    PATIENT,
    PROGRESS,
    SOAP,
)

TEMPLATES = {"SOAP": SOAP, "H&P": HP, "consult": CONSULT, "progress": PROGRESS,
             "ED": ED, "discharge": DISCHARGE, "patient": PATIENT}  # fmt: skip
SMOKE = ROOT / "bench" / "smoke" / "aci_smoke.csv"
LINE = re.compile(r"^\[(doctor|patient|patient_guest)\]\s*(.*)$")
SPEAKERS = {"doctor": 0, "patient": 1, "patient_guest": 2}
FILLERS = {
    "okay", "ok", "alright", "all right", "yes", "yeah", "no", "mm-hmm", "mhm", "uh-huh",
    "um", "uh", "hmm", "right", "sure", "great", "good", "thank you", "thanks", "perfect",
    "hi", "hello", "bye", "goodbye", "nice", "cool", "wow", "oh", "awesome", "excellent",
}  # fmt: skip
QUESTION_START = re.compile(
    r"^(do|does|did|are|is|was|were|have|has|can|could|would|will|how|what|when|"
    r"where|why|which|who|any)\b.*\byou(r)?\b",
    re.I,
)
# Reference headings -> section group (first match wins).
GROUP_OF_HEADING = (
    ("ASSESSMENT", "assessment_plan"),
    ("PLAN", "assessment_plan"),
    ("IMPRESSION", "assessment_plan"),
    ("EXAM", "exam"),
    ("VITALS", "exam"),
    ("RESULTS", "exam"),
    ("FINDINGS", "exam"),
)


@dataclass
class Encounter:
    split: str
    encounter_id: str
    dataset: str
    segments: tuple[Segment, ...]
    reference: str


def load(split: str) -> list[Encounter]:
    if split not in (*SPLITS, "smoke"):
        raise SystemExit(f"only {SPLITS} are for development (test is held out)")
    csv.field_size_limit(10**9)
    path = SMOKE if split == "smoke" else DATA / f"{split}.csv"
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        Encounter(
            split, r["encounter_id"], r["dataset"], segments(r["dialogue"]), r["note"]
        )
        for r in rows
    ]


def segments(dialogue: str) -> tuple[Segment, ...]:
    """One segment per dialogue line: speaker 0 for `[doctor]`, 1 for `[patient]`, 2
    for `[patient_guest]` (someone with the patient), no roles named. A line with no
    tag goes on with the speaker before it (D2N072's doctor says the x-ray result,
    the diagnosis and the plan on such a line)."""
    out = []
    speaker = None
    for line in dialogue.splitlines():
        match = LINE.match(line.strip())
        text = match.group(2).strip() if match else line.strip()
        if match:
            speaker = SPEAKERS[match.group(1)]
        if not text or speaker is None:
            continue
        seq = len(out) + 1
        out.append(Segment(seq, text, seq * 4000, seq * 4000 + 3800, speaker))
    return tuple(out)


def request(template: dict, segs: tuple[Segment, ...]) -> DraftRequest:
    return DraftRequest(
        template_name=template["name"],
        template_instructions=template["instructions"],
        sections=tuple(
            SectionSpec(s["key"], s["title"], s["instructions"])
            for s in template["sections"]
        ),
        segments=segs,
    )


Drafter = Callable[[DraftRequest], dict[str, str]]


def new_drafter() -> Drafter:
    from templates_app.generation.offline import draft_sections

    return draft_sections


def main_drafter() -> Drafter | None:
    """The sentence-filing offline drafter this one replaced (the "before")."""
    try:
        source = subprocess.run(
            ["git", "show", f"{BEFORE}:templates_app/generation/offline.py"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    except (subprocess.CalledProcessError, FileNotFoundError):
        return None
    path = Path(tempfile.mkdtemp(prefix="bench-main-")) / "offline_main.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("offline_main", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.draft_sections


def drafts(*, split: str, template: str = "SOAP", drafter: Drafter | None = None):
    """[(encounter, {section key: text})] for one split, drafted by `drafter`."""
    drafter = drafter or new_drafter()
    spec = TEMPLATES[template]
    return [(e, drafter(request(spec, e.segments))) for e in load(split)]


def statements(text: str) -> list[str]:
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and line.strip() != "Not discussed."
    ]


def plain(text: str) -> str:
    return re.sub(r"\s+([.,;:])", r"\1", CITATION.sub("", text)).strip()


def rendered(template: dict, sections: dict[str, str]) -> str:
    parts = []
    for spec in template["sections"]:
        parts.append(spec["title"].upper())
        parts.extend(plain(line) for line in sections.get(spec["key"], "").splitlines())
    return "\n".join(p for p in parts if p)


_NLP = None


def sentence_lines(text: str) -> str:
    """Newline-separated sentences, as rougeLsum wants them."""
    global _NLP
    if _NLP is None:
        _NLP = spacy.blank("en")
        _NLP.add_pipe("sentencizer")
    out = []
    for line in text.splitlines():
        if line.strip():
            out.extend(
                s.text.strip() for s in _NLP(line.strip()).sents if s.text.strip()
            )
    return "\n".join(out)


def reference_groups(note: str) -> dict[str, str]:
    groups: dict[str, list[str]] = {"history": [], "exam": [], "assessment_plan": []}
    current = "history"
    for line in note.splitlines():
        stripped = line.strip()
        if stripped and stripped.upper() == stripped and re.search(r"[A-Z]", stripped):
            current = next(
                (g for needle, g in GROUP_OF_HEADING if needle in stripped), "history"
            )
        groups[current].append(line)
    return {g: "\n".join(lines) for g, lines in groups.items()}


def draft_groups(template: dict, sections: dict[str, str]) -> dict[str, str]:
    groups: dict[str, list[str]] = {"history": [], "exam": [], "assessment_plan": []}
    for spec in template["sections"]:
        group = note_metrics.section_group(spec)
        groups[group].append(spec["title"].upper())
        groups[group].extend(
            plain(s) for s in sections.get(spec["key"], "").splitlines()
        )
    return {g: "\n".join(lines) for g, lines in groups.items()}


def is_question_or_filler(statement: str) -> bool:
    text = plain(statement).lower().strip()
    if text.endswith("?") or QUESTION_START.match(text):
        return True
    words = re.sub(r"[^a-z' -]", " ", text).split()
    return (
        bool(words)
        and len(words) <= 4
        and " ".join(words) in FILLERS | {f"{a} {b}" for a in FILLERS for b in FILLERS}
        or all(w in FILLERS for w in words)
    )


SCORER = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=False)


def rouge(prediction: str, reference: str) -> dict[str, float]:
    scores = SCORER.score(sentence_lines(reference), sentence_lines(prediction))
    return {k: 100 * v.fmeasure for k, v in scores.items()}


def words(text: str) -> int:
    return len(text.split())


def evaluate(encounters: list[Encounter], template: str, drafter: Drafter) -> dict:
    spec = TEMPLATES[template]
    per: list[dict] = []
    elapsed: list[float] = []
    for e in encounters:
        started = time.perf_counter()
        sections = drafter(request(spec, e.segments))
        elapsed.append(time.perf_counter() - started)
        note = rendered(spec, sections)
        stmts = [s for text in sections.values() for s in statements(text)]
        known = {s.seq for s in e.segments}
        ap = [
            sections.get(x["key"], "")
            for x in spec["sections"]
            if note_metrics.section_group(x) == "assessment_plan"
        ]
        ap_present = bool(ap) and all(statements(t) for t in ap)
        ap_keys = note_metrics.ap_sections(spec)
        ref_groups = reference_groups(e.reference)
        turns = {s.seq: s.text for s in e.segments}
        transcript = "\n".join(turns.values())
        facing = spec is PATIENT
        found = note_metrics.facts(e.reference, transcript)
        wrong, counted = note_metrics.misplaced(spec, sections, turns, e.reference)
        n = max(1, len(stmts))
        row = {
            "person": sum(note_metrics.is_person(s, patient_facing=facing) for s in stmts) / n,
            "conv": sum(map(note_metrics.is_conversational, stmts)) / n,
            "frag": sum(map(note_metrics.is_fragment, stmts)),
            "confusions": note_metrics.confusions(spec, sections, turns),
            "misplaced_n": wrong,
            "placed_n": counted,
            **rouge(note, e.reference),
            "length": words(note) / max(1, words(e.reference)),
            "qf": sum(map(is_question_or_filler, stmts)) / max(1, len(stmts)),
            "uncited": sum(1 for s in stmts if not cited_seqs(s)) / max(1, len(stmts)),
            "invalid": sum(1 for s in stmts if cited_seqs(s) - known) / max(1, len(stmts)),
            "ap_empty": 1.0 if ref_groups["assessment_plan"].strip() and not ap_present else 0.0,
            "ap_missing": float(
                bool(ref_groups["assessment_plan"].strip())
                and any(not statements(sections.get(k, "")) for k in ap_keys)
            ),
        }  # fmt: skip
        ours = draft_groups(spec, sections)
        for group in ("history", "exam", "assessment_plan"):
            if ref_groups[group].strip():
                row[f"{group}.rouge1"] = rouge(ours[group], ref_groups[group])["rouge1"]
        if found:
            plain_note = plain(note)
            row["facts"] = sum(
                note_metrics.fact_found(f, plain_note) for f in found
            ) / len(found)
        per.append(row)
    keys = sorted({k for row in per for k in row})
    out = {k: statistics.mean(row[k] for row in per if k in row) for k in keys}
    out["misplaced"] = sum(r["misplaced_n"] for r in per) / max(
        1, sum(r["placed_n"] for r in per)
    )
    out["ap_missing_notes"] = sum(r["ap_missing"] for r in per)
    out["seconds_first"] = elapsed[0]  # includes loading spaCy, negspacy, drug list
    out["seconds_max"] = max(elapsed[1:] or elapsed)
    out["n"] = len(per)
    return out


def evaluate_transcript(encounters: list[Encounter]) -> dict:
    rows = [
        {
            **rouge("\n".join(s.text for s in e.segments), e.reference),
            "length": sum(words(s.text) for s in e.segments) / words(e.reference),
        }
        for e in encounters
    ]
    return {k: statistics.mean(r[k] for r in rows) for k in rows[0]}


def line(label: str, m: dict) -> str:
    out = (
        f"{label:<26} R1 {m['rouge1']:5.1f}  R2 {m['rouge2']:5.1f}  "
        f"RLsum {m['rougeLsum']:5.1f}  len {m['length']:4.2f}x"
    )
    if "qf" in m:
        out += (
            f"  q+fill {100 * m['qf']:4.1f}%  uncited {100 * m['uncited']:.1f}%"
            f"  badcite {100 * m['invalid']:.1f}%  A&P sections empty {100 * m['ap_empty']:.0f}%"
            f"  | R1 hist {m.get('history.rouge1', 0):4.1f} exam "
            f"{m.get('exam.rouge1', 0):4.1f} A&P {m.get('assessment_plan.rouge1', 0):4.1f}"
            f"  max {1000 * m['seconds_max']:.0f} ms (first {m['seconds_first']:.1f} s)"
            f"\n{'':<26} person {100 * m['person']:4.1f}%  conv {100 * m['conv']:4.1f}%"
            f"  frag/note {m['frag']:4.1f}  misplaced {100 * m['misplaced']:4.1f}%"
            f"  facts {100 * m.get('facts', 0):4.1f}%  confusions/note {m['confusions']:4.2f}"
            f"  A&P missing {m['ap_missing_notes']:.0f} notes"
        )
    return out


def main(argv: list[str]) -> None:
    if {"-h", "--help"} & set(argv):
        print(__doc__, note_metrics.__doc__, sep="\n")
        return
    smoke = "--smoke" in argv
    # --quick: this drafter only: no transcript, no main drafter
    quick = "--quick" in argv or smoke
    splits = (
        ["smoke"]
        if smoke
        else [a for a in argv if not a.startswith("--")] or list(SPLITS)
    )
    only = [a.split("=", 1)[1] for a in argv if a.startswith("--templates=")]
    templates = only[0].split(",") if only else list(TEMPLATES)
    before = None if quick else main_drafter()
    after = new_drafter()
    for split in splits:
        encounters = load(split)
        print(f"ACI-Bench {split} ({len(encounters)} encounters)")
        if not quick:
            print(line("  raw transcript", evaluate_transcript(encounters)))
        for template in templates:
            if before is not None:
                print(
                    line(
                        f"  before, {template}", evaluate(encounters, template, before)
                    )
                )
            print(
                line(
                    f"  this drafter, {template}", evaluate(encounters, template, after)
                )
            )


if __name__ == "__main__":
    main(sys.argv[1:])
