"""The verifier's doubt check (issue 23, item 4): a note statement whose number or
drug rests on a word the speech engine heard with low confidence, or corrected from
the drug lexicon, is flagged so the clinician checks the recording.

The cited segments' texts are `transcription.heard.HeardText` (a `str` carrying the
segment's words); a plain `str` has no words, and draws no flag.
"""

from collections.abc import Mapping

from templates_app.generation import verify
from transcription.engines.words import DRUG
from transcription.heard import clock, doubtful

KIND = "doubtful_word"


def _named(word, seq: int) -> str:
    """How a flag's message names the word it rests on (`doubt_moment` finds it)."""
    return f"\u2018{word.text}\u2019 in S{seq}"


def doubt_flags(text: str, cited: Mapping[int, str]) -> list[tuple[str, str]]:
    """(kind, message) for each number or drug of `text` that a cited segment heard
    doubtfully or by correction."""
    numbers, drugs = verify.numbers(text), verify.drugs(text)
    found = []
    for seq, segment in cited.items():
        for word in getattr(segment, "words", ()):
            corrected = word.kind == DRUG
            if not (corrected or doubtful(word)):
                continue
            said_numbers = verify.numbers(word.text)
            said_drugs = verify.drugs(word.text)
            if not (said_numbers & numbers or said_drugs & drugs):
                continue
            how = (
                f"corrected from \u2018{word.heard}\u2019"
                if corrected
                else f"heard with low confidence ({round(word.probability * 100)}%)"
            )
            found.append(
                (
                    KIND,
                    f"{_named(word, seq)} was {how}: check the recording at "
                    f"{clock(word.start_ms)}.",
                )
            )
    return found


def doubt_moment(message: str, cited: Mapping[int, str]) -> int | None:
    """Where on the recording (ms) the word that a doubt flag's `message` names was
    heard, from its cited segments' words; None when no word matches any more (the
    segment was corrected since)."""
    for seq, segment in cited.items():
        for word in getattr(segment, "words", ()):
            if _named(word, seq) in message:
                return word.start_ms
    return None
