"""A final as the clinician reads it: Whisper's words, misheard drugs corrected in a
medication context, spoken doses and vitals written as numbers, what was heard and
each word's probability kept (issue 23, items 3, 4 and 7)."""

import threading

from transcription.engines.base import Result
from transcription.engines.lexicon import correct
from transcription.engines.spoken_numbers import rewrite
from transcription.engines.words import from_whisper, shown_text

_WARMING = threading.Lock()


def warm() -> None:
    """Load the drug lexicon (seconds) once per process, before a final needs it."""
    from transcription.engines.lexicon import (
        _name_words,
        _tokenizer,
        known_drugs,
        lexicon,
    )

    with _WARMING:  # a final arriving meanwhile waits for it, never loads it twice
        lexicon(), _name_words(), _tokenizer(), known_drugs()


def final_result(
    segments, *, start_ms: int, end_ms: int, offset_s: float = 0.0
) -> Result | None:
    """The final of Whisper's kept `segments` (word times + `offset_s` seconds on the
    recording's clock), or None when they hold no text."""
    heard = " ".join(s.text.strip() for s in segments).strip()
    if not heard:
        return None
    warm()
    words = rewrite(correct(from_whisper(segments, offset_s)))
    text = shown_text(words) if words else heard
    return Result(
        text=text,
        is_final=True,
        start_ms=start_ms,
        end_ms=end_ms,
        heard=heard if heard != text else "",
        words=tuple(words),
    )
