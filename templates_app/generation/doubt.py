"""The verifier's doubt check (issues 23 and 24): what speech may have misheard.

- A note statement whose number or drug rests on a word the speech engine heard with
  low confidence, or corrected from the drug lexicon, is flagged so the clinician
  checks the recording (the cited segments' texts are
  `transcription.heard.HeardText`, a `str` carrying the segment's words; a plain
  `str` has none).
- So is a statement repeating, in a medication context, an uncommon word the engine
  heard with low confidence ("stop her prisonism", heard at 30%).
- And, whatever the segments carry, a statement whose word in a medication context
  is no drug name and no ordinary word but sounds like a drug (the speech engine's
  lexicon match: "continue the methatrix" sounds like methotrexate): the verifier
  checks a statement against the transcript, so a misheard drug would pass its other
  checks.
"""

import re
from collections.abc import Mapping

from templates_app.generation import verify
from transcription.engines import lexicon
from transcription.engines.words import DRUG, UNKNOWN
from transcription.heard import clock, doubtful

KIND = "doubtful_word"


def _named(word, seq: int) -> str:
    """How a flag's message names the word it rests on (`doubt_moment` finds it)."""
    return f"\u2018{word.text}\u2019 in S{seq}"


_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+")


def medication_words(text: str) -> set[str]:
    """The statement's words (lower case) that sit in a medication context: within
    lexicon.CONTEXT_WORDS of a medication word ("take", "mg", "continue"), names
    left out (capitalised inside the statement, or a capitalised pair opening it)."""
    written = _WORD.findall(text)
    tokens = [t.lower() for t in written]
    cues = [k for k, t in enumerate(tokens) if t in lexicon.CUES]
    return {
        token
        for k, token in enumerate(tokens)
        if any(0 < abs(k - c) <= lexicon.CONTEXT_WORDS for c in cues)
        and not _a_name(written, k)
    }


def _a_name(written: list[str], k: int) -> bool:
    if not written[k][:1].isupper():
        return False
    return k > 0 or (len(written) > 1 and written[1][:1].isupper())


def _uncommon(word: str) -> bool:
    """Neither a drug name nor an ordinary word: what a misheard drug looks like."""
    return (
        len(word) >= lexicon.MIN_LETTERS
        and word.isalpha()
        and word not in lexicon.known_drugs()
        and word not in lexicon.NOT_DRUGS
        and word not in lexicon.CUES
        and not lexicon.common_word(word)
        and not lexicon.common_word(word.capitalize())  # "Friday", "Carolyn"
    )


def sounds_like_drug(text: str) -> list[tuple[str, str]]:
    """(word, drug) for each uncommon word of a medication context that sounds like a
    drug name."""
    found = []
    for word in sorted(medication_words(text)):
        if not _uncommon(word):
            continue
        match = lexicon.best_match(word)
        if match and match[0].lower() != word:
            found.append((word, match[0]))
    return found


def doubt_flags(text: str, cited: Mapping[int, str]) -> list[tuple[str, str]]:
    """(kind, message) for each number or drug of `text` that a cited segment heard
    doubtfully or by correction, each uncommon word of a medication context heard
    doubtfully, and each such word that sounds like a drug."""
    numbers, drugs = verify.numbers(text), verify.drugs(text)
    in_context = {w for w in medication_words(text) if _uncommon(w)}
    found = []
    for seq, segment in cited.items():
        for word in getattr(segment, "words", ()):
            corrected = word.kind == DRUG
            if not (corrected or doubtful(word)):
                continue
            said_numbers = verify.numbers(word.text)
            said_drugs = verify.drugs(word.text)
            repeated = not corrected and word.bare in in_context
            if not (said_numbers & numbers or said_drugs & drugs or repeated):
                continue
            in_context.discard(word.bare)
            how = (
                f"corrected from \u2018{word.heard}\u2019"
                if corrected
                else "heard as no known word in a medication context"
                if word.kind == UNKNOWN
                else f"heard with low confidence ({round(word.probability * 100)}%)"
            )
            found.append(
                (
                    KIND,
                    f"{_named(word, seq)} was {how}: check the recording at "
                    f"{clock(word.start_ms)}.",
                )
            )
    for word, drug in sounds_like_drug(text):
        if word not in in_context:
            continue  # already flagged as heard doubtfully
        said = next(
            (
                (seq, w)
                for seq, segment in cited.items()
                for w in getattr(segment, "words", ())
                if w.bare == word
            ),
            None,
        )
        where = f"{_named(said[1], said[0])} is" if said else f"\u2018{word}\u2019 is"
        at = f" at {clock(said[1].start_ms)}" if said else ""
        found.append(
            (
                KIND,
                f"{where} no drug name known here but sounds like {drug}: check the "
                f"recording{at}.",
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
