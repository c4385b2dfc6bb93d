"""What bench/asr.py scores a transcript by (imported by it; not a program).

- WER: finals against the spoken lines, case and punctuation normalised and numbers
  spelled out on both sides (num2words), with jiwer; on the text shown (after the
  drug lexicon and the numbers' rewrites) and on the text the engine heard (before
  them: the segment's `heard_text`), since "500 mg" for "500 milligrams" is a right
  rewrite that the word-by-word count calls two errors;
- drug mentions kept / said (drugs found by drug-named-entity-recognition, folded to
  one name each, counted per dialogue) and drugs written that nobody said, per 10
  minutes of audio;
- numbers with units kept / said: each number that a unit, a duration or "over"
  follows in the reference, matched once with such a number of the transcript (words
  or digits; "120/80" is 120 over), so a dose said twice must be written twice;
- speaker roles: each final's role (its speaker number's, `SPEAKER_ROLES`) against
  the role of the spoken line it overlaps most, per final (utterance).
"""

import re
from collections import Counter

RATE = 16000
TARGETS = {  # issue 23's, on ACI-Bench train dialogues
    "wer_heard": ("<=", 0.12),
    "drug_recall": (">=", 0.80),
    "drug_false_insertions_per_10_min": ("<=", 1.0),
    "number_accuracy": (">=", 0.90),
    "role_accuracy": (">=", 0.90),
    "final_p95_s": ("<=", 2.0),
    "sustained_streams": (">=", 4),
}


def normalised(text: str) -> str:
    from num2words import num2words

    text = text.lower().replace("%", " percent")
    text = re.sub(r"(\d),(\d{3})", r"\1\2", text)
    text = re.sub(r"\d+(\.\d+)?", lambda m: " " + num2words(m.group(0)) + " ", text)
    text = re.sub(r"[^a-z' ]+", " ", text.replace("-", " "))
    text = re.sub(r"'(?![a-z])|(?<![a-z])'", " ", text)
    return " ".join(text.split())


def wer(references: list[str], hypotheses: list[str]) -> float:
    import jiwer

    pairs = [
        (normalised(r), normalised(h))
        for r, h in zip(references, hypotheses, strict=True)
        if normalised(r)
    ]
    return jiwer.wer([r for r, _ in pairs], [h or "<empty>" for _, h in pairs])


def shown(finals) -> str:
    return " ".join(r.text for r in finals)


def heard(finals) -> str:
    """What the engine wrote, before the display's rewrites (`heard_text`)."""
    return " ".join(r.heard or r.text for r in finals)


QUANTITY = re.compile(
    r"\b(\d+(?:\.\d+)?)\s*(?:%|mg|mcg|milligrams?|micrograms?|grams?|g\b|units?|"
    r"tablets?|pills?|puffs?|days?|weeks?|months?|years?|hours?|minutes?|times|"
    r"percent|degrees|pounds|over|/)",
    re.I,
)


def drugs_in(text: str) -> list[str]:
    from drug_named_entity_recognition import find_drugs

    tokens = re.findall(r"[A-Za-z][A-Za-z0-9-]*", text)
    return [str(e["name"]).lower() for e, *_ in find_drugs(tokens, is_ignore_case=True)]


def _quantities(text: str) -> list[float]:
    """The numbers a unit, a duration or "over" follows, in words or digits
    ("1,000 milligrams" is 1000; a blood pressure's "one thirty over sixty", which
    text2num reads "1 30 over 60", is 130 over 60)."""
    from text_to_num import alpha2digit

    text = re.sub(r"(\d),(\d{3})\b", r"\1\2", alpha2digit(text, "en", threshold=0))
    text = re.sub(r"\b([12]) ([1-9]\d)(?= over\b)", r"\1\2", text)
    return [float(m.group(1)) for m in QUANTITY.finditer(text)]


def quantities_missed(reference: str, hypothesis: str) -> tuple[Counter, Counter]:
    """The numbers with units said, and those of them the hypothesis does not write
    (each said number matched once by a number with a unit written)."""
    wanted = Counter(_quantities(reference))
    return wanted, wanted - Counter(_quantities(hypothesis))


def trust(references: list[str], hypotheses: list[str], seconds: float) -> dict:
    """Drug recall and false insertions, number accuracy, over dialogues."""
    said = kept = inserted = numbers_said = numbers_kept = 0
    missed, written, numbers_missed = Counter(), Counter(), Counter()
    for reference, hypothesis in zip(references, hypotheses, strict=True):
        ref, hyp = Counter(drugs_in(reference)), Counter(drugs_in(hypothesis))
        said += sum(ref.values())
        kept += sum((ref & hyp).values())
        inserted += sum((hyp - ref).values())
        missed += ref - hyp
        written += hyp - ref
        wanted, lost = quantities_missed(reference, hypothesis)
        numbers_said += sum(wanted.values())
        numbers_kept += sum(wanted.values()) - sum(lost.values())
        numbers_missed += lost
    return {
        "drug_mentions_said": said,
        "drug_mentions_kept": kept,
        "drug_recall": round(kept / said, 3) if said else None,
        "drug_false_insertions": inserted,
        "drug_false_insertions_per_10_min": round(inserted / (seconds / 600), 2),
        "drugs_missed": dict(missed.most_common()),
        "drugs_inserted": dict(written.most_common()),
        "numbers_said": numbers_said,
        "numbers_missed": {f"{n:g}": c for n, c in numbers_missed.most_common()},
        "number_accuracy": round(numbers_kept / numbers_said, 3)
        if numbers_said
        else None,
    }


def true_role(result, lines) -> str:
    """The role of the spoken line (`[speaker, text, start, end]`, samples) that the
    final overlaps most: the doctor's is the clinician's, anyone else's the
    patient's."""
    start, end = result.start_ms * RATE // 1000, result.end_ms * RATE // 1000
    best = max(lines, key=lambda line: min(end, line[3]) - max(start, line[2]))
    return "clinician" if best[0] == "doctor" else "patient"


def roles(finals_and_lines) -> dict:
    """Per final, over dialogues: the share whose speaker's role is the line's."""
    from transcription.engines.roles import SPEAKER_ROLES

    right = total = unnamed = 0
    for finals, lines in finals_and_lines:
        for result in finals:
            total += 1
            given = SPEAKER_ROLES.get(str(result.speaker))
            unnamed += given is None
            right += given == true_role(result, lines)
    return {
        "role_utterances": total,
        "role_unnamed": unnamed,
        "role_accuracy": round(right / total, 3) if total else None,
    }


def scores(references, finals_and_lines, seconds: float) -> dict:
    """Every score of one pass over the dialogues (`finals_and_lines`: each
    dialogue's finals and its spoken lines)."""
    shown_texts = [shown(f) for f, _ in finals_and_lines]
    heard_texts = [heard(f) for f, _ in finals_and_lines]
    heard_trust = trust(references, heard_texts, seconds)
    return {
        "wer_shown": round(wer(references, shown_texts), 3),
        "wer_heard": round(wer(references, heard_texts), 3),
        **trust(references, shown_texts, seconds),
        "drug_recall_heard": heard_trust["drug_recall"],
        "number_accuracy_heard": heard_trust["number_accuracy"],
        **roles(finals_and_lines),
    }


def verdict(summary: dict) -> dict:
    """Each target with the figure measured and whether it is met."""
    out = {}
    for key, (sense, limit) in TARGETS.items():
        value = summary.get(key)
        met = None
        if value is not None:
            met = value <= limit if sense == "<=" else value >= limit
        out[key] = {"measured": value, "target": f"{sense} {limit}", "met": met}
    return out


def summary(report: dict, split: str) -> dict:
    """The figures the issue asks for, each beside its target: the live engine's
    accuracy, the one-stream latency and the streams held; the upload's beside
    (`--skip-live`: the upload's alone)."""
    live = report.get("accuracy") or {}
    figures = {
        key: live.get(key)
        for key in (
            "wer_heard",
            "wer_shown",
            "drug_recall",
            "drug_recall_heard",
            "drug_false_insertions_per_10_min",
            "number_accuracy",
            "role_accuracy",
        )
    }
    figures["final_p95_s"] = report.get("latency_one_stream", {}).get("final_p95")
    figures["sustained_streams"] = report.get("concurrency", {}).get(
        "sustained_streams"
    )
    upload = report.get("whole_file")
    return {
        "model": report["model"],
        "split": split,
        "dialogues": report["dialogues"],
        "audio_seconds": (live or report["whole_file"])["audio_seconds"],
        "live": figures,
        "upload_whole_file": {k: upload[k] for k in UPLOAD_FIGURES} if upload else None,
        "targets": verdict(figures),
        "load_before_after": [report["load_before"], report["load_after"]],
    }


UPLOAD_FIGURES = (
    "wer_heard",
    "wer_shown",
    "drug_recall",
    "drug_false_insertions_per_10_min",
    "number_accuracy",
    "role_accuracy",
)
