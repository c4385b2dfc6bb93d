"""Negation: what a statement negates or affirms, against how its cited segments
speak of the same words.

Cue phrases are NegEx's, from negspacy's clinical termset: preceding and following
negations, the phrases that end a negation's reach (and a new clause: ", and he..."),
and pseudo-negations ("no further", "without difficulty"), which negate nothing and
leave the words they reach undecided. In speech a question takes its answer's side:
a question ends with "?", or, unpunctuated, holds a question phrase ("do you", "any")
near its end and is answered by the next turn; when the last segment a statement
cites is a question, the segment after it is read as its answer.

Each mention of a word counts on its own: "tenderness of the humerus but no
tenderness at the clavicle" affirms tenderness once and negates it once.

Pure functions over text: no database, no Django.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from templates_app.generation.verify_words import STOPWORDS, stem, words

SCOPE = 12  # words a preceding negation cue reaches in a note's statement
SPOKEN_SCOPE = 4  # ...and in speech, often unpunctuated, where 12 runs on
LOOSE_SCOPE = 8  # ...and how far speech may have meant it to reach
LOOSE_BACK = 3  # words before a cue that speech may negate ("my chest doesn't hurt")
FOLLOWING_BACK = 4  # words a following cue ("was ruled out") reaches back
QUESTION_TAIL = 25  # an unpunctuated question phrase this near a turn's end asks
# Words that speech scatters through a phrase without moving it on.
FILLERS = frozenset({"uh", "um", "er", "ah", "hmm", "like", "any", "some", "the", "a"})
ANSWER_NO = frozenset({"no", "nope", "none", "never", "nah", "nothing", "negative"})
ANSWER_NO_PHRASES = ("not really", "i don't", "i haven't", "not")
REPLY_FILLERS = frozenset({"uh", "um", "well", "oh", "so", "hmm", "ah", "er", "okay"})
# Words that name nothing: "anything like that", "nobody said so".
VAGUE = frozenset({"anything", "something", "everything", "nothing", "anybody",
                   "somebody", "nobody", "everybody", "else", "stuff", "kind", "sort"})  # fmt: skip
ASKED_TOGETHER = 4  # questions in a row that one reply answers
AFFIRM = frozenset({"yes", "yeah", "yep", "yup", "uh-huh", "mm-hmm", "correct", "sure"})
QUESTION_PHRASES = (
    "have you", "do you", "did you", "are you", "were you", "is there", "has there",
    "how about", "what about", "does it", "is it", "is that", "was it", "was there",
    "does that", "did it", "any",
)  # fmt: skip
_SENTENCE_END = re.compile(r"[.;:!?]+|\n")
_DRAWN_OUT = re.compile(r"h+m+|u+h+|u+m+|a+h+|e+r+|o+h+")  # "hmmm", "uhh", "ummm"
# A note's statement keeps its heading: "Alcohol use: none." is one sentence.
_STATEMENT_END = re.compile(r"[.;!?]+|\n")
# A new clause with its own subject ends a negation's reach: "has not been great,
# and he thinks he needs...", "no gallop your lungs are clear" (speech).
_CLAUSE = re.compile(
    r"[,;]\s+(?=(?:(?:and|but|so|then|although|though|while|because|as)\s+)?"
    r"(?:he|she|they|i|we|it|you|his|her|their|the patient)\b)"
    r"|\b(?=(?:your|his|her|my|their) (?:\w+ ){1,2}(?:is|are|was|were|looks?|"
    r"sounds?|seems?|feels?|appears?)\b)",
    re.I,
)
# Speech's pseudo-negations, beside NegEx's; "avoid" leaves its object undecided, and
# so do NegEx's cues of a possibility ("evaluate for Lyme disease"), which deny
# nothing.
PSEUDO = ("not long ago", "no problem", "no worries", "avoid", "avoids", "avoided",
          "avoiding")  # fmt: skip
POSSIBLE = ("evaluate for", "rule out", "r/o", "rule her out", "rule him out",
            "rule patient out", "rule the patient out", "versus")  # fmt: skip
# A statement ending in one of these negates what precedes it: "Alcohol use: none.",
# "Lymphatic invasion: not identified."
ENDING_NEGATIONS = ("none", "negative", "denied", "denies", "absent",
                    "not identified", "not seen", "not present", "not appreciated",
                    "not noted", "not found")  # fmt: skip
_CLAUSE_MARK = "xclausex"


Phrases = dict[str, tuple[tuple[str, ...], ...]]


@functools.cache
def _cues() -> tuple[Phrases, Phrases, Phrases, Phrases]:
    """NegEx's clinical cue phrases, from negspacy: preceding, following, the phrases
    that end a negation's scope, and pseudo-negations; each as word tuples by their
    first word, longest first."""
    from negspacy.termsets import termset

    patterns = termset("en_clinical").get_patterns()
    preceding = set(patterns["preceding_negations"]) - set(POSSIBLE)
    preceding |= {"none", "nor", "free of"}
    preceding |= {"haven't", "hasn't", "won't", "nothing"}
    # a family's or a household's negation: "nobody smokes", "no one in the family"
    preceding |= {"nobody", "noone", "neither", "nor does", "none of"}

    return (
        _by_first_word(preceding),
        _by_first_word(patterns["following_negations"]),
        _by_first_word([*patterns["termination"], _CLAUSE_MARK]),
        _by_first_word(set(patterns["pseudo_negations"]) | set(PSEUDO) | set(POSSIBLE)),
    )


def _by_first_word(phrases: Iterable) -> Phrases:
    out: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        split = tuple(words(phrase)) if isinstance(phrase, str) else tuple(phrase)
        if split:
            out.setdefault(split[0], []).append(split)
    return {w: tuple(sorted(p, key=len, reverse=True)) for w, p in out.items()}


_QUESTIONS = _by_first_word(QUESTION_PHRASES)
_NO_PHRASES = _by_first_word(ANSWER_NO_PHRASES)
_ENDINGS = tuple(tuple(words(e)) for e in ENDING_NEGATIONS)


def _match(tokens: list[str], at: int, phrases: Phrases) -> int:
    """The length of the longest of `phrases` that starts at `at`, or 0."""
    for phrase in phrases.get(tokens[at], ()) if at < len(tokens) else ():
        if tuple(tokens[at : at + len(phrase)]) == phrase:
            return len(phrase)
    return 0


@dataclass
class _Reach:
    negated: set[int] = field(default_factory=set)  # positions under a cue
    cues: set[int] = field(default_factory=set)  # the cues' own positions
    undecided: set[int] = field(default_factory=set)  # under a pseudo-negation


def _reach(tokens: list[str], *, scope: int, back: int, spoken: bool) -> _Reach:
    preceding, following, terminate, pseudo = _cues()
    out = _Reach()
    i = 0
    while i < len(tokens):
        pseudo_size = _match(tokens, i, pseudo)
        size = pseudo_size or _match(tokens, i, preceding)
        if size:
            marks = out.undecided if pseudo_size else out.negated
            out.cues.update(range(i, i + size))
            j, counted = i + size, 0
            while j < len(tokens) and counted < scope:
                if _match(tokens, j, terminate):
                    break
                marks.add(j)
                counted += not (spoken and tokens[j] in FILLERS)
                j += 1
            marks.update(range(max(0, i - back), i))
            i += size
            continue
        size = _match(tokens, i, following)
        if size:
            out.cues.update(range(i, i + size))
            out.negated.update(range(max(0, i - FOLLOWING_BACK), i))
            i += 1  # "was not trying": "not" also negates what follows
            continue
        i += 1
    return out


def _tokens(sentence: str) -> list[str]:
    return words(_CLAUSE.sub(f" {_CLAUSE_MARK} ", sentence))


def _key(word: str) -> str:
    """A word as negation compares it: its stem, less a final e ("pulse", "pulses")."""
    key = stem(word)
    return key[:-1] if key.endswith("e") and len(key) > 4 else key


def _concept(word: str) -> bool:
    return (
        word not in STOPWORDS
        and word != _CLAUSE_MARK
        and len(word) > 2
        and not word[0].isdigit()
    )


def negation_scopes(
    sentence: str, *, back: int = 0, scope: int = SCOPE
) -> tuple[set[str], set[str], bool]:
    """(negated, affirmed, has_cue): content words of one sentence under a NegEx cue
    (up to `scope` words after a preceding cue, FOLLOWING_BACK before a following
    one, and `back` words before a preceding one: "my chest doesn't hurt"), and
    those said plainly; words under a pseudo-negation are neither."""
    tokens = _tokens(sentence)
    reach = _reach(tokens, scope=scope, back=back, spoken=False)
    for ending in _ENDINGS:
        start = len(tokens) - len(ending)
        if start > 0 and tuple(tokens[start:]) == ending:
            reach.cues.update(range(start, len(tokens)))
            reach.negated.update(range(start))
            break
    negated, affirmed = set(), set()
    for k, token in enumerate(tokens):
        if k in reach.cues or k in reach.undecided or not _concept(token):
            continue
        (negated if k in reach.negated else affirmed).add(_key(token))
    return negated, affirmed, bool(reach.cues)


def _sentences(text: str, ends: re.Pattern = _SENTENCE_END) -> list[str]:
    out, last = [], 0
    for match in ends.finditer(text):
        out.append(text[last : match.end()])
        last = match.end()
    out.append(text[last:])
    return [s.strip() for s in out if s.strip()]


@dataclass
class _Polarity:
    negated: set[str] = field(default_factory=set)  # under a negation cue somewhere
    affirmed: set[str] = field(default_factory=set)  # said plainly somewhere
    loosely_negated: set[str] = field(default_factory=set)  # within a cue's reach
    asked: set[str] = field(default_factory=set)  # only in an unanswered question
    stated_negated: set[str] = field(default_factory=set)  # under a cue said outright


def _question_start(
    sentence: str, tokens: list[str], replied: str, negated: set[int]
) -> int | None:
    """Where the question of a sentence of speech starts, or None. Unpunctuated, a
    question phrase near its end asks; "any" ("any fever") only when the next turn
    answers yes or no, and never under a negation ("I don't see any rash")."""
    if sentence.endswith("?"):
        return 0
    if sentence[-1:] in ".!":
        return None
    tail = range(max(0, len(tokens) - QUESTION_TAIL), len(tokens))
    asking = [k for k in tail if _match(tokens, k, _QUESTIONS)]
    # "... make any adjustments to your metformin and order a lipid panel, do you
    # have any questions": the question is "do you have", not the "any" before it
    for k in asking:
        if tokens[k] != "any":
            return k
    for k in asking:
        if replied and k not in negated:
            return k
    return None


def _answer(sentence: str) -> str:
    """'no', 'yes' or '' for how a reply answers the question before it."""
    said = sentence.lower().split()
    while said and (
        said[0].strip(",.!") in REPLY_FILLERS | {",", "and", "but"}
        or _DRAWN_OUT.fullmatch(said[0].strip(",.!"))
    ):
        said = said[1:]  # "uh, no", "um, not really", "and hmmm no not really"
    tokens = words(" ".join(said))[:3]
    if not tokens:
        return ""
    if tokens[0] in ANSWER_NO or _match(tokens, 0, _NO_PHRASES):
        return "no"
    first = said[0].strip(",.!")
    return "yes" if first in AFFIRM or tokens[0] in AFFIRM else ""


def _replies(sentences: list[str], answer: str) -> list[str]:
    """The reply to each sentence: the next one that is not itself a question
    ("Any weight loss? Anything like that?" "No."), within ASKED_TOGETHER."""
    following = sentences + _sentences(answer)[:ASKED_TOGETHER]
    out = []
    for position in range(len(sentences)):
        ahead = following[position + 1 : position + 1 + ASKED_TOGETHER]
        out.append(next((s for s in ahead if not s.endswith("?")), ""))
    return out


def polarity(texts: Iterable[str], answer: str = "") -> _Polarity:
    """How the cited segments speak of each word, each mention on its own; a
    question takes its answer's side (`answer`: the segment after the cited ones)."""
    said = _Polarity()
    sentences = [s for text in texts for s in _sentences(text)]
    replies = _replies(sentences, answer)
    for position, sentence in enumerate(sentences):
        tokens = _tokens(sentence)
        strict = _reach(tokens, scope=SPOKEN_SCOPE, back=0, spoken=True)
        loose = _reach(tokens, scope=LOOSE_SCOPE, back=LOOSE_BACK, spoken=True)
        if tokens and tokens[-1] in ANSWER_NO:  # "... nausea or vomiting? no"
            strict.negated.update(range(len(tokens)))
            loose.negated.update(range(len(tokens)))
        replied = _answer(replies[position])
        asked_from = _question_start(sentence, tokens, replied, loose.negated)
        denied = _denied_by_name(tokens, asked_from, replies[position], replied)
        for k, token in enumerate(tokens):
            if k in strict.cues or k in loose.undecided or not _concept(token):
                continue
            word = _key(token)
            if asked_from is not None and k >= asked_from:
                if replied == "no" and (not denied or word in denied):
                    said.negated.add(word)
                    said.loosely_negated.add(word)
                elif replied == "no":  # "Any vomiting or diarrhea?" "No vomiting."
                    said.asked.add(word)
                elif replied == "yes":
                    said.affirmed.add(word)
                else:
                    said.asked.add(word)
                continue
            if k in strict.negated:
                said.negated.add(word)
                said.stated_negated.add(word)
            if k in loose.negated:
                said.loosely_negated.add(word)
            else:
                said.affirmed.add(word)
    return said


def _denied_by_name(
    tokens: list[str], asked_from: int | None, reply: str, replied: str
) -> set[str]:
    """What a "no" answer names of the things asked: "Any vomiting or diarrhea?" "No
    vomiting." denies the vomiting alone, and leaves the diarrhea asked, not denied.
    Empty (the whole question denied) unless the question offers things one "or"
    another and the answer names some and not others."""
    if replied != "no" or asked_from is None:
        return set()
    options: list[set[str]] = [set()]
    for word in tokens[asked_from:]:
        if word == "or":
            options.append(set())
        elif _concept(word) and word not in VAGUE:
            options[-1].add(_key(word))
    named = {_key(t) for t in words(reply) if _concept(t) and t not in VAGUE}
    options = [o for o in options if o]
    chosen = [o for o in options if o & named]
    if not chosen or len(chosen) == len(options):
        return set()
    return set().union(*chosen)


# "Denies fever, chills or vomiting", "no vomiting", "does not have any rash": the
# items a statement denies, one by one.
_DENIAL = re.compile(
    r"\b(?:denies|denied|deny|no|without|negative for|(?:does|did|has|have|is|was)"
    r" not (?:have|had|report|experience|notice)\w*)\s+(?:any\s+)?(?P<items>[^.;:]+)",
    re.I,
)
_DENIAL_ENDS = re.compile(
    r"\b(?:but|though|although|except|however|reports?|endorses|has|had)\b"
    r"|\b(?:is|was|are|were)\b",
    re.I,
)
_ITEMS = re.compile(r",\s*(?:and\s+|or\s+|nor\s+)?|\s+(?:and|or|nor)\s+", re.I)
# In speech "she had diarrhea, no vomiting" is two statements: the affirmed part is
# not within the later cue's reach.
_BEFORE_CUE = re.compile(r",\s*(?=(?:but |and )?(?:no|not|denies|never|none)\b)", re.I)
# A denial limited in time, or to a place: "denies tingling today" may be true beside
# "tingling until Sunday"; "no tenderness over the MP joint" beside "tenderness over
# the distal phalanx". Its items are read together, or not at all.
_WHEN = re.compile(
    r"\b(?:today|now|currently|anymore|any more|before|previously|prior|ever|history|"
    r"past|recently|since|until|lately|again|tonight|this (?:morning|week|time))\b",
    re.I,
)
_WHERE = re.compile(
    r"\b(?:with|at|over|in|of|on|to|upon|during|when|after|from|into|along|around|"
    r"across|behind|below|above|under|near|between|throughout)\b",
    re.I,
)

# Said of what may come, not of what is: "if she has diarrhea, call us", "watch for
# vomiting", "I wish I had some weight loss".
_UNSAID = re.compile(
    r"\b(?:if|unless|whether|wish|hope|in case|watch(?:ing)? (?:out )?for|look(?:ing)? "
    r"(?:out )?for|signs? of|call|come back|return|could|might|may|would|risk)\b",
    re.I,
)


def denied_items(statement: str) -> list[str]:
    """The things a statement denies: "Denies vomiting or diarrhea." -> ["vomiting",
    "diarrhea"]."""
    out: list[str] = []
    for found in _DENIAL.finditer(statement):
        items = _DENIAL_ENDS.split(found.group("items"))[0]
        if _WHEN.search(items):
            continue  # "denies tingling today", "never had kidney stones before"
        if _WHERE.search(items):  # "no pain or tenderness over the proximal phalanx"
            out.append(items.strip())
            continue
        out += [i.strip() for i in _ITEMS.split(items) if i.strip()]
    return [i for i in out if any(_concept(w) for w in words(i))]


def affirmed_in(item: str, texts: Iterable[str]) -> bool:
    """Whether one sentence of `texts` says `item` plainly (every content word of it,
    none under a negation cue, not only asked): "she had diarrhea twice yesterday"
    affirms "diarrhea"; "no diarrhea", "any diarrhea?" do not."""
    keys = {_key(w) for w in words(item) if _concept(w)}
    if not keys:
        return False
    for text in texts:
        for sentence in _sentences(text):
            tokens = words(sentence)
            if (
                sentence.endswith("?")
                or _UNSAID.search(sentence)
                or any(_match(tokens, k, _QUESTIONS) for k in range(len(tokens)))
            ):
                continue  # asked, or what may happen: nothing said of the patient
            for part in _BEFORE_CUE.split(sentence):
                said = polarity([part])
                if keys <= said.affirmed - said.negated:
                    return True
    return False


def negation_problem(
    statement: str, cited: Iterable[str], answer: str = "", nearby: Iterable[str] = ()
) -> str:
    """Why the statement's negations disagree with its segments, or ''. A thing it
    denies that its cited words, or the words just around them (`nearby`), say
    plainly and that no one denied outright there ("No vomiting. She had diarrhea
    twice yesterday." under "Denies vomiting or diarrhea") is flagged whatever else
    the statement denies."""
    cited = list(cited)
    said = polarity(cited, answer)
    around = [*cited, answer, *nearby]
    stated = polarity(around).stated_negated | said.stated_negated
    affirmed = [
        item
        for item in denied_items(statement)
        if affirmed_in(item, around)
        and not {_key(w) for w in words(item) if _concept(w)} <= stated
    ]
    if affirmed:
        return f"denies {', '.join(affirmed)}, which the transcript affirms"
    negated, affirmed = set(), set()
    for sentence in _sentences(statement, _STATEMENT_END):
        n, a, _ = negation_scopes(sentence)
        negated, affirmed = negated | n, affirmed | a
    # A word the statement both negates and affirms ("tingling until Sunday, none
    # today") is a change over time: neither side is checked.
    negated, affirmed = negated - affirmed, affirmed - negated
    # Negated here, said (or asked about) there and never within reach of a
    # negation: the denial is not in what it cites. Affirmed here where every
    # mention there is negated: a negation dropped.
    added = sorted(
        w
        for w in negated & (said.affirmed | said.asked)
        if w not in said.loosely_negated
    )
    mentioned = negated & (
        said.affirmed | said.asked | said.negated | said.loosely_negated
    )
    if added and len(added) * 2 >= len(mentioned):
        return f"negates {', '.join(added)}, which the transcript does not negate"
    dropped = sorted(
        w for w in affirmed & said.negated if w not in said.affirmed | said.asked
    )
    if dropped:
        return f"affirms {', '.join(dropped)}, which the transcript negates"
    return ""
