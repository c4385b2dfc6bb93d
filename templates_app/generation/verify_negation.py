"""Negation: what a statement negates or affirms, against how its cited segments
speak of the same words (NegEx cue phrases from negspacy's clinical termset; a
question takes its answer's side).

Pure functions over text: no database, no Django.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from templates_app.generation.verify_words import STOPWORDS, stem, words

SCOPE = 8  # words a preceding negation cue reaches in a note's statement
SPOKEN_SCOPE = 4  # ...and in speech, often unpunctuated, where 8 runs on
ANSWER_NO = {"no", "nope", "none", "never", "nah"}
# Phrases that make an unpunctuated stretch of speech a question.
QUESTION_CUES = re.compile(
    r"\b(?:any|have you|do you|did you|are you|is there|how about|what about|"
    r"has there|were you|does it|is it)\b"
)
_SENTENCE_END = re.compile(r"[.;:!?]+|\n")
AFFIRM = {"yes", "yeah", "yep", "yup", "uh-huh", "mm-hmm", "correct", "sure"}
DENY_START = ("no", "nope", "not really", "never", "i don't", "i haven't", "none")


@functools.cache
def _cues() -> tuple[tuple, tuple, tuple]:
    """NegEx's clinical cue phrases, from negspacy: preceding, following, and the
    phrases that end a negation's scope, each as word tuples, longest first."""
    from negspacy.termsets import termset

    patterns = termset("en_clinical").get_patterns()
    preceding = set(patterns["preceding_negations"]) | {"none", "nor", "free of"}
    preceding |= {"haven't", "hasn't", "won't", "nothing"}

    def split(phrases):
        return tuple(sorted((tuple(words(p)) for p in phrases), key=len, reverse=True))

    return (
        split(preceding),
        split(patterns["following_negations"]),
        split(patterns["termination"]),
    )


def _match(tokens: list[str], at: int, phrases) -> int:
    for phrase in phrases:
        if phrase and tuple(tokens[at : at + len(phrase)]) == phrase:
            return len(phrase)
    return 0


def negation_scopes(
    sentence: str, *, back: int = 0, scope: int = SCOPE
) -> tuple[set[str], set[str], bool]:
    """(negated, affirmed, has_cue): content words of one sentence under a NegEx cue
    (up to SCOPE words after a preceding cue, 4 before a following one, and `back`
    words before a preceding one: "my chest doesn't hurt")."""
    preceding, following, terminate = _cues()
    tokens = words(sentence)
    negated: set[int] = set()
    cue_at: set[int] = set()
    i = 0
    while i < len(tokens):
        size = _match(tokens, i, preceding)
        if size:
            cue_at.update(range(i, i + size))
            j = i + size
            while j < len(tokens) and j < i + size + scope:
                if _match(tokens, j, terminate):
                    break
                negated.add(j)
                j += 1
            negated.update(range(max(0, i - back), i))
            i += size
            continue
        size = _match(tokens, i, following)
        if size:
            cue_at.update(range(i, i + size))
            negated.update(range(max(0, i - 4), i))
            i += 1  # "was not trying": "not" also negates what follows
            continue
        i += 1
    if back and tokens and tokens[-1] in ANSWER_NO:
        negated.update(range(len(tokens)))  # "... nausea or vomiting? no"
    kept = [(k, t) for k, t in enumerate(tokens) if k not in cue_at and _concept(t)]
    negative = {stem(t) for k, t in kept if k in negated}
    affirmed = {stem(t) for k, t in kept} - negative
    return negative, affirmed, bool(cue_at)


def _concept(word: str) -> bool:
    return word not in STOPWORDS and len(word) > 2 and not word[0].isdigit()


def _sentences(text: str) -> list[str]:
    out, last = [], 0
    for match in _SENTENCE_END.finditer(text):
        out.append(text[last : match.end()])
        last = match.end()
    out.append(text[last:])
    return [s.strip() for s in out if s.strip()]


@dataclass
class _Polarity:
    negated: set[str]  # under a negation cue's scope somewhere
    affirmed: set[str]  # said plainly somewhere
    loosely_negated: set[str]  # within reach of a cue, before or after it
    asked: set[str]  # only in a question nobody answered


def polarity(texts: Iterable[str]) -> _Polarity:
    """How the cited segments speak of each word; a question takes its answer's side."""
    said = _Polarity(set(), set(), set(), set())
    sentences = [s for text in texts for s in _sentences(text)]
    for position, sentence in enumerate(sentences):
        negated, affirmed, _ = negation_scopes(sentence, scope=SPOKEN_SCOPE)
        loose, _, _ = negation_scopes(sentence, back=3)
        if sentence[-1:] not in ".!?" and QUESTION_CUES.search(sentence.lower()):
            said.asked |= negated | affirmed  # a question, unpunctuated
        if sentence.endswith("?"):
            following = sentences[position + 1 : position + 2]
            answer = following[0].lower() if following else ""
            asked = negated | affirmed
            if answer.startswith(DENY_START):
                said.negated |= asked
                said.loosely_negated |= asked
            elif answer.split(" ")[0].strip(",.!") in AFFIRM:
                said.affirmed |= asked
            else:
                said.asked |= asked
            continue
        said.negated |= negated
        said.loosely_negated |= loose
        said.affirmed |= affirmed - loose
    return said


def negation_problem(statement: str, cited: Iterable[str]) -> str:
    """Why the statement's negations disagree with its segments, or ''."""
    said = polarity(cited)
    negated, affirmed = set(), set()
    for sentence in _sentences(statement):
        n, a, _ = negation_scopes(sentence)
        negated, affirmed = negated | n, affirmed | a
    # Negated here, said (or asked about) there and never within reach of a
    # negation: the denial is not in what it cites. Affirmed here where every
    # mention there is negated: a negation dropped.
    added = sorted(
        w
        for w in negated & (said.affirmed | said.asked)
        if w not in said.loosely_negated
    )
    if added:
        return f"negates {', '.join(added)}, which the transcript does not negate"
    dropped = sorted(
        w for w in affirmed & said.negated if w not in said.affirmed | said.asked
    )
    if dropped:
        return f"affirms {', '.join(dropped)}, which the transcript negates"
    return ""
