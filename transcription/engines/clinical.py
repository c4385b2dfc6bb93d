"""A final as the clinician reads it: Whisper's words, misheard drugs corrected in a
medication context, spoken doses and vitals written as numbers, what was heard and
each word's probability kept (issue 23, items 3, 4 and 7)."""

import threading

from transcription.engines.base import Result
from transcription.engines.lexicon import EDGE_WORDS, correct
from transcription.engines.prompting import echoed
from transcription.engines.spoken_numbers import rewrite
from transcription.engines.words import Word, from_whisper, shown_text

_WARMING = threading.Lock()


def warm() -> None:
    """Load the drug lexicon (seconds) once per process, before a final needs it."""
    from transcription.engines.lexicon import (
        _english,
        _name_words,
        _tokenizer,
        known_drugs,
        lexicon,
    )

    with _WARMING:  # a final arriving meanwhile waits for it, never loads it twice
        lexicon(), _name_words(), _tokenizer(), known_drugs(), _english()


def final_result(
    segments,
    *,
    start_ms: int,
    end_ms: int,
    offset_s: float = 0.0,
    prompted: frozenset[str] = frozenset(),
) -> Result | None:
    """The final of Whisper's kept `segments` (word times + `offset_s` seconds on the
    recording's clock), or None when they hold no text. A `prompted` word (the
    prompt's terms') that the audio does not bear out is dropped, and so is a final
    left with no word beyond "and", "the" and the like."""
    heard = " ".join(s.text.strip() for s in segments).strip()
    if not heard:
        return None
    warm()
    words = shown_words(from_whisper(segments, offset_s), prompted)
    if words is None:
        return None
    text = shown_text(words) if words else heard
    return Result(
        text=text,
        is_final=True,
        start_ms=start_ms,
        end_ms=end_ms,
        heard=heard if heard != text else "",
        words=tuple(words),
    )


def shown_words(words: list[Word], prompted: frozenset[str]) -> list[Word] | None:
    """Whisper's `words` as shown: the prompt's echoes dropped (None when nothing
    but "and", "the" and the like is left), drugs corrected, numbers written."""
    if any(echoed(w, prompted) for w in words):
        words = [w for w in words if not echoed(w, prompted)]
        if all(w.bare in EDGE_WORDS for w in words):
            return None
    return rewrite(correct(words))
