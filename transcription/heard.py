"""A segment's words as the transcript shows them (issue 23, items 3 and 4): a
corrected drug name with what was heard, and doubtful words underlined.

A word is doubtful below Whisper's probability DOUBTFUL_BELOW (0.5); numbers and
drug names, where a mishearing harms, already below CRITICAL_DOUBTFUL_BELOW (0.8);
and a long word that is no English word and no drug, in a medication context
(UNKNOWN: what a misheard drug looks like), whatever Whisper's probability.
Once the clinician corrects a segment its words no longer match its text, and the
text is shown as written.
"""

import re

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from transcription.engines.words import (
    DOUBTFUL_BELOW,
    DRUG,
    NUMBER,
    UNKNOWN,
    Word,
    loads,
)

CRITICAL_DOUBTFUL_BELOW = 0.8
HAS_DIGIT = re.compile(r"\d")


def segment_words(segment) -> list[Word] | None:
    """The segment's words, or None when it has none or its text was corrected."""
    words = loads(segment.words)
    if not words or " ".join(w.text for w in words) != segment.text:
        return None
    return words


def critical(word: Word) -> bool:
    """A number or a drug name: where a mishearing harms."""
    from transcription.engines.lexicon import known_drugs

    return (
        word.kind in (DRUG, NUMBER)
        or bool(HAS_DIGIT.search(word.text))
        or word.bare in known_drugs()
    )


def doubtful(word: Word) -> bool:
    if word.kind == UNKNOWN:
        return True
    limit = CRITICAL_DOUBTFUL_BELOW if critical(word) else DOUBTFUL_BELOW
    return word.probability < limit


def why_doubtful(word: Word) -> str:
    """What the underline's title says of a doubtful word."""
    if word.kind == UNKNOWN:
        return "No known word or drug name in a medication context"
    return f"Heard with {round(word.probability * 100)}% confidence"


def corrections(segment) -> list[Word]:
    return [w for w in segment_words(segment) or () if w.kind == DRUG]


def rendered(segment, *, seek: bool = False) -> SafeString:
    """The segment's text as HTML: corrections marked, doubtful words underlined.
    With `seek` (a page with the recording's player), each doubtful or corrected
    word is a button that plays the recording from where it was heard."""
    words = segment_words(segment)
    if words is None:
        return format_html("{}", segment.text)
    word = _seekable if seek else _word
    return format_html_join(" ", "{}", ((word(w),) for w in words))


def _shown(word: Word) -> SafeString:
    if word.kind != DRUG:
        return format_html("{}", word.text)
    return format_html(
        '<span class="word-corrected">{}</span> '
        '<span class="word-heard">(heard \u2018{}\u2019)</span>',
        word.text,
        (word.heard or "").rstrip(".,?!;:"),
    )


def _word(word: Word) -> SafeString:
    if doubtful(word):
        return format_html(
            '<u class="word-doubtful" title="{}: check the recording">{}</u>',
            why_doubtful(word),
            _shown(word),
        )
    return _shown(word)


def _seekable(word: Word) -> SafeString:
    if not (doubtful(word) or word.kind == DRUG):
        return _shown(word)
    how = why_doubtful(word) if doubtful(word) else "Corrected from what was heard"
    return format_html(
        '<button type="button" class="seek{}" data-seek-ms="{}" title="{}: play '
        'the recording at {}">{}</button>',
        " word-doubtful" if doubtful(word) else "",
        word.start_ms,
        how,
        clock(word.start_ms),
        _shown(word),
    )


def clock(milliseconds: int) -> str:
    """12345 ms -> '0:12'; over an hour, '1:02:03' (where to listen)."""
    seconds = int(milliseconds or 0) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"


def words_payload(words) -> list[dict]:
    """The words as the API and the live socket send them: times, Whisper's
    probability, whether the transcript underlines the word, and what was heard
    when it was rewritten (the page marks them as `rendered` does)."""
    return [
        {
            "text": w.text,
            "start_ms": w.start_ms,
            "end_ms": w.end_ms,
            "probability": round(w.probability, 2),
            "doubtful": doubtful(w),
            "heard": w.heard,
            "kind": w.kind or None,
        }
        for w in words
    ]


def undo_text(segment, word: Word) -> str:
    """The segment's text with `word` back to what was heard."""
    words = segment_words(segment) or []
    return " ".join(w.heard if w == word and w.heard else w.text for w in words)


class HeardText(str):
    """A segment's text that also carries its words (for the verifier's doubt
    check, templates_app.generation.doubt); plain `str` everywhere else."""

    words: tuple[Word, ...] = ()

    def __new__(cls, text: str, words=()):
        value = super().__new__(cls, text)
        value.words = tuple(words)
        return value


def heard_texts(segments) -> dict[int, HeardText]:
    """`{seq: text}` of these segments, each text with its words."""
    return {s.seq: HeardText(s.text, segment_words(s) or ()) for s in segments}
