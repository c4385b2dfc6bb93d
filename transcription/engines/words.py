"""The words of a final, as heard and as shown (issue 23, items 3, 4 and 7).

Whisper gives each word its times and probability. The shown text is those words
after two rewrites that keep what was heard: a misheard drug in a medication context
becomes the drug (`lexicon`), and doses, vitals and durations said in words become
numbers with units (`spoken_numbers`). A rewritten word keeps the words it replaced
(`heard`) and the lowest probability among them, so a doubt is never hidden.

Stored on the segment compactly: `[[text, start_ms, end_ms, percent], ...]`, with a
fifth item, what was heard, on a rewritten word (null on a word kept as heard but
marked UNKNOWN), and a sixth, its kind.
"""

import json
import re
from dataclasses import dataclass, replace

# Below this probability (Whisper's, of the word) a word is doubtful and underlined.
DOUBTFUL_BELOW = 0.5
DRUG, NUMBER = "drug", "number"
# A long word no dictionary knows and no drug, in a medication context: doubtful
# whatever Whisper's probability of it (lexicon.unknown_word).
UNKNOWN = "unknown"

_BARE = re.compile(r"[^\w%/.'-]+")


@dataclass(frozen=True, slots=True)
class Word:
    text: str  # as shown, with its punctuation
    start_ms: int
    end_ms: int
    probability: float
    heard: str | None = None  # the words Whisper wrote, when rewritten
    # DRUG (a corrected drug name), NUMBER (a rewritten number) or UNKNOWN
    kind: str = ""

    @property
    def bare(self) -> str:
        """The word without punctuation, lower case."""
        return _BARE.sub("", self.text).strip(".").lower()

    @property
    def doubtful(self) -> bool:
        return self.probability < DOUBTFUL_BELOW or self.kind == UNKNOWN

    def with_punctuation_of(self, last: "Word", text: str) -> "Word":
        tail = re.search(r"[.,?!;:]+$", last.text)
        return replace(self, text=text + (tail.group(0) if tail else ""))


def from_whisper(segments, offset_s: float = 0.0) -> list[Word]:
    """The words of Whisper's segments (with `word_timestamps`), on the recording's
    clock (`offset_s` added). A piece Whisper writes without a space before it goes
    on the word before ("50" "-year" "-old" is "50-year-old", "45" "%" is "45%"),
    with the lower probability of the two, as the segment's text shows it."""
    words: list[Word] = []
    for segment in segments:
        first = True
        for word in segment.words or ():
            text = word.word.strip()
            if not text:
                continue
            start_ms = int((word.start + offset_s) * 1000)
            end_ms = int((word.end + offset_s) * 1000)
            probability = float(word.probability)
            if words and not first and not word.word[:1].isspace():
                last = words[-1]
                words[-1] = replace(
                    last,
                    text=last.text + text,
                    end_ms=max(last.end_ms, end_ms),
                    probability=min(last.probability, probability),
                )
            else:
                words.append(Word(text, start_ms, end_ms, probability))
            first = False
    return words


def shown_text(words: list[Word]) -> str:
    return " ".join(w.text for w in words)


def dumps(words) -> str:
    """The compact JSON stored on a segment ("" for none)."""
    rows = []
    for w in words:
        row = [w.text, w.start_ms, w.end_ms, round(w.probability * 100)]
        if w.heard is not None or w.kind:
            row += [w.heard, w.kind]
        rows.append(row)
    return json.dumps(rows, separators=(",", ":")) if rows else ""


def loads(value: str) -> list[Word]:
    words = []
    for row in json.loads(value) if value else ():
        text, start, end, percent, *rest = row
        heard, kind = (rest + [None, ""])[:2]
        words.append(Word(text, start, end, percent / 100, heard, kind))
    return words
