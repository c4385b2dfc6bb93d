"""Reference notes read for learning and measuring placement (build time and benches).

A reference note (ACI-Bench's, CC BY 4.0) is cut into sentences, each with the place
it holds in the note (PLACES below, from its heading, and inside an assessment and
plan from its bullet: "Medical Reasoning" is assessment, "Additional Testing" and
"Medical Treatment" plan, "Patient Education and Counseling" instructions). Each
sentence is then aligned to the one to three consecutive dialogue turns holding most
of its content words; a turn takes the places of the sentences that rest on it.

Pure functions over text: nothing is read from disk here.
"""

from __future__ import annotations

import re
from collections import Counter

from templates_app.generation import verify

PLACES = (
    "complaint", "hpi", "ros", "past_history", "medications", "allergies", "exam",
    "results", "assessment", "plan", "instructions",
)  # fmt: skip
# Heading words -> place (first match wins).
HEADINGS = (
    ("CHIEF COMPLAINT", "complaint"), ("CC", "complaint"), ("REASON", "complaint"),
    ("REVIEW OF SYSTEMS", "ros"), ("ROS", "ros"),
    ("ALLERG", "allergies"), ("MEDICATION", "medications"),
    ("SOCIAL", "past_history"), ("FAMILY", "past_history"),
    ("SURGICAL", "past_history"), ("PAST", "past_history"),
    ("MEDICAL HISTORY", "past_history"), ("BIRTH", "past_history"),
    ("PRESENT ILLNESS", "hpi"), ("HPI", "hpi"), ("SUBJECTIVE", "hpi"),
    ("EXAM", "exam"), ("VITALS", "exam"), ("MSK", "exam"), ("OBJECTIVE", "exam"),
    ("RESULTS", "results"), ("IMAGING", "results"), ("LABS", "results"),
    ("FINDINGS", "results"), ("INSTRUCTIONS", "instructions"),
    ("ASSESSMENT AND PLAN", "assessment"), ("ASSESSMENT", "assessment"),
    ("IMPRESSION", "assessment"), ("PLAN", "plan"), ("PROCEDURE", "plan"),
)  # fmt: skip
BULLETS = (
    ("medical reasoning", "assessment"),
    ("patient education", "instructions"),
    ("counsel", "instructions"),
    ("additional testing", "plan"),
    ("medical treatment", "plan"),
    ("specialty referral", "plan"),
    ("surgical", "plan"),
    ("follow", "plan"),
)
ALIGN_MIN = 0.5
MIN_WORDS = 3
MAX_WINDOW = 3


def _heading(line: str) -> str | None:
    """The place a heading line names, or None if the line is not a heading."""
    bare = line.strip().rstrip(":").strip()
    if not bare or bare.upper() != bare or not re.search(r"[A-Z]{2}", bare):
        return None
    if re.search(r"\d", bare) or len(bare) > 40:
        return None  # "BP: 130/68." is a value, not a heading
    for needle, place in HEADINGS:
        if re.search(rf"\b{needle}", bare):
            return place
    return None


def note_sentences(note: str) -> list[tuple[str, str]]:
    """(place, sentence) for each sentence of a reference note, in order."""
    out: list[tuple[str, str]] = []
    place, in_ap = "hpi", False
    for raw in note.splitlines():
        heading = _heading(raw)
        if heading:
            place, in_ap = heading, heading in {"assessment", "plan"}
            continue
        line = raw.strip(" •-*\t")
        if not line:
            continue
        current = place
        low = line.lower()
        if in_ap:
            bullet = next((p for needle, p in BULLETS if low.startswith(needle)), None)
            if bullet:
                current = bullet
                line = line.split(":", 1)[-1].strip()
            elif place == "assessment" and raw.strip().startswith(("•", "-", "*")):
                current = "plan"
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", line):
            if sentence.strip():
                out.append((current, sentence.strip()))
    return out


def turn_words(turns: dict[int, str]) -> dict[int, set[str]]:
    out = {}
    for seq, text in turns.items():
        numbers = {verify._number(n) for n in verify.numbers(text, spoken=True)}
        out[seq] = verify.content_words(text) | numbers
    return out


def align(
    sentence: str, words_of: dict[int, set[str]]
) -> tuple[tuple[int, ...], float]:
    """The 1-3 consecutive turns holding most of the sentence's content words."""
    mine = verify.content_words(sentence)
    if not mine:
        return (), 0.0
    best: tuple[tuple[int, ...], float] = ((), 0.0)
    for start in sorted(words_of):
        window: set[str] = set()
        for size in range(MAX_WINDOW):
            seq = start + size
            if seq not in words_of:
                break
            window |= words_of[seq]
            score = len(mine & window) / len(mine)
            if score > best[1] + 1e-9:
                best = (tuple(range(start, seq + 1)), score)
    return best


def turn_places(note: str, turns: dict[int, str]) -> dict[int, Counter]:
    """For each turn a reference sentence rests on: how many sentences of each place."""
    words_of = turn_words(turns)
    out: dict[int, Counter] = {}
    for place, sentence in note_sentences(note):
        if len(verify.content_words(sentence)) < MIN_WORDS:
            continue
        seqs, score = align(sentence, words_of)
        if score < ALIGN_MIN:
            continue
        for seq in seqs:
            if len(words_of[seq]) >= 2:
                out.setdefault(seq, Counter())[place] += 1
    return out
