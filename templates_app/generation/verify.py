"""Every statement of a draft checked against the transcript segments it cites.

A statement is the text up to its citation (`[S12]`); text with no citation after it
is a statement too. Each is checked against the words of the segments it cites:

- `uncited`: no citation at all; `missing_segment`: a cited segment does not exist;
- `number`: a number (dose, vital, duration; digits or words) its segments lack;
- `drug`: a drug (recognised by `drug-named-entity-recognition`, brand and generic
  names folded to one) its segments do not name;
- `laterality`: left, right or bilateral, where its segments do not say that side;
- `negation`: negated in the statement ("Denies fever") where the segments only
  affirm it, or affirmed where every mention in the segments is negated (NegEx
  cues from negspacy's clinical termset; a question answered "no" negates it);
- `weak_support`: fewer than SUPPORT_THRESHOLD of the statement's content words
  (lower case, crude suffix stem, scribe words such as "patient" or "reports"
  left out) occur in its segments;
- `placement`: in a section its cited words do not support (an allergen under
  Medications, a plan item under a history section, a finding under Allergies);
- `diagnosis`: a diagnosis its cited words do not name (verify_meaning.py).

Pure functions over text: no database, no Django.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from templates_app.generation import verify_meaning
from templates_app.generation.citations import CITATION, citation_seqs
from templates_app.generation.offline import facts

SUPPORT_THRESHOLD = 0.3
SCOPE = 8  # words a preceding negation cue reaches in a note's statement
SPOKEN_SCOPE = 4  # ...and in speech, often unpunctuated, where 8 runs on
ANSWER_NO = {"no", "nope", "none", "never", "nah"}
# Phrases that make an unpunctuated stretch of speech a question.
QUESTION_CUES = re.compile(
    r"\b(?:any|have you|do you|did you|are you|is there|how about|what about|"
    r"has there|were you|does it|is it)\b"
)
MIN_CONTENT_WORDS = 2
CITED_WORDS_MAX = 600
NOT_DISCUSSED = re.compile(r"^\W*not discussed\W*$", re.I)

KINDS = {
    "uncited": "No citation",
    "missing_segment": "Cites a missing segment",
    "number": "Number not in the transcript",
    "drug": "Drug not in the transcript",
    "laterality": "Side not in the transcript",
    "negation": "Negation differs from the transcript",
    "weak_support": "Weakly supported",
    "placement": "In a section its words do not support",
    "diagnosis": "Diagnosis not in the transcript",
}
# What the page says was checked, in the order of the checks.
CHECKED = (
    "citations, numbers, drugs, sides, negation, support, placement in its section "
    "and diagnoses named"
)

_WORD = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+(?:'[a-z]+)?")
_SENTENCE_END = re.compile(r"[.;:!?]+|\n")
UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
SCALES = {"hundred": 100, "thousand": 1000}
# How a speaker says a count that a note writes as a number (source side only).
SPOKEN_COUNTS = {"once": 1, "twice": 2, "thrice": 3, "half": 0.5, "dozen": 12}
TIME_UNITS = {"day", "week", "month", "year", "hour", "minute"}
SIDES = {"left": "left", "right": "right", "bilateral": "bilateral"}
SIDES |= {"bilaterally": "bilateral", "both": "bilateral"}
AFFIRM = {"yes", "yeah", "yep", "yup", "uh-huh", "mm-hmm", "correct", "sure"}
DENY_START = ("no", "nope", "not really", "never", "i don't", "i haven't", "none")
_STOP_TEXT = """a about above after again against all also am an and any are as at be because
    been before being below between both but by can could did do does doing down
    during each few for from further had has have having he her here hers herself him
    himself his how i if in into is it its itself just me more most my myself no nor
    not now of off on once only or other our ours out over own same she should so
    some such than that the their theirs them then there these they this those
    through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself um uh okay ok yeah yes so like
    well oh alright right left mm hmm got get go going know think just really thing
    things kind sort lot little bit let let's i'm i've i'd you're it's that's don't
    doesn't didn't haven't hasn't isn't wasn't can't won't
    patient patients pt reports reported reporting states stated notes noted endorses
    endorsed complains presents presented describes described says said mentions
    mentioned denies denied today currently also since per"""
STOPWORDS = frozenset(_STOP_TEXT.split())


@dataclass(frozen=True, slots=True)
class Statement:
    section: str
    index: int
    text: str  # without its citations
    seqs: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Flag:
    section: str
    index: int
    statement: str
    kind: str
    message: str
    seqs: tuple[int, ...]
    cited_words: str


# --- Statements ------------------------------------------------------------------


def statements(section: str, text: str) -> list[Statement]:
    """The statements of one section's text, each with the segments it cites."""
    found: list[tuple[str, tuple[int, ...]]] = []
    last = 0
    for match in CITATION.finditer(text):
        body = text[last : match.start()]
        seqs = tuple(citation_seqs(match.group(1)))
        if found and not _clean(body):
            body_text, prior = found[-1]
            found[-1] = (body_text, prior + seqs)  # "[S3] [S4]": one statement
        else:
            lines = [line for line in body.split("\n") if _clean(line)]
            found += [(line, ()) for line in lines[:-1]]
            found.append((lines[-1] if lines else body, seqs))
        last = match.end()
    for piece in re.split(r"\n|(?<=[.!?])\s+", text[last:]):
        if _clean(piece):
            found.append((piece, ()))
    out = []
    for raw, seqs in found:
        clean = _clean(raw)
        if clean and not NOT_DISCUSSED.match(clean):
            out.append(Statement(section, len(out), clean, seqs))
    return out


def _clean(text: str) -> str:
    text = re.sub(r"^[\s.,;:!?]*(?:[-*•]\s+|\d+[.)]\s+)?", "", text)
    return text.strip()


# --- Words -------------------------------------------------------------------------


def words(text: str) -> list[str]:
    # "do n't" (tokenised transcripts) is "don't"
    text = re.sub(r"(\w) n't\b", r"\1n't", text.lower().replace("-", " "))
    return _WORD.findall(text)


def numbers(text: str, *, spoken: bool = False) -> set[float]:
    """Every number in the text, written as digits or as words."""
    out: set[float] = set()
    current: float | None = None
    text = re.sub(r"\b(spo|o)2\b", r"\1", text, flags=re.I)  # SpO2 94%: 94 only
    tokens = words(text)
    for position, word in enumerate(tokens):
        following = tokens[position + 1] if position + 1 < len(tokens) else ""
        if word[0].isdigit():
            out.add(float(word.replace(",", "")))
            current = None
        elif word in UNITS or word in TENS:
            value = UNITS.get(word, TENS.get(word, 0))
            current = value if current is None or current % 10 else current + value
            out.add(current)
        elif word in SCALES and current is not None:
            current *= SCALES[word]
            out.add(current)
        elif spoken and word in ("a", "an") and following in TIME_UNITS:
            out.add(1)
        elif spoken and word in SPOKEN_COUNTS:
            out.add(SPOKEN_COUNTS[word])
            if word == "half" and current is not None:
                out.add(current + 0.5)
        elif word != "and":
            current = None
    if spoken:  # "one twenty eight over seventy two", "ninety eight point six"
        for run in facts.RUN.finditer(text.lower()):
            for part in re.split(r"(?<!hundred)(?<!thousand)\s+and\s+", run.group(0)):
                said = facts.value(re.split(r"[\s-]+", part))
                if said is not None:
                    out.add(said)
    return out


def stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> set[str]:
    """Lower-case stems of the words that carry content; numbers as digits."""
    out = set()
    for word in words(text):
        if word[0].isdigit():
            out.add(_number(float(word.replace(",", ""))))
        elif word in UNITS or word in TENS:
            out.add(str(UNITS.get(word, TENS.get(word))))
        elif word not in STOPWORDS and len(word) > 2:
            out.add(stem(word))
    return out


@functools.cache
def _drug_finder():
    # Imported on first use: loading its drug list takes seconds.
    from drug_named_entity_recognition import find_drugs

    return find_drugs


def drugs(text: str) -> set[str]:
    """Drug names in the text, folded to one name per drug (Tylenol: acetaminophen)."""
    tokens = re.findall(r"[A-Za-z][A-Za-z0-9-]*", text)
    if not tokens:
        return set()
    found = _drug_finder()(tokens, is_ignore_case=True)
    return {str(entity["name"]).lower() for entity, *_ in found}


# "right" as speech uses it ("all right", "right now", "that's right", "right?"),
# not as a side.
_NOT_A_SIDE = re.compile(
    r"\b(?:all|that's|that is|you're|you are|alright) right\b"
    r"|\bright(?= ?(?:now|away|here|there|then|after|before|back|so|okay|ok|"
    r"[?,.]|$))"
)
_BOTH_SIDES = re.compile(
    r"\bboth (?:sides|legs|arms|eyes|ears|knees|feet|hands|lungs|hips|shoulders)\b"
)


def sides(text: str) -> set[str]:
    """left, right, bilateral: the sides the text names."""
    lowered = _NOT_A_SIDE.sub(" ", text.lower())
    found = {SIDES[w] for w in words(lowered) if w in SIDES and w != "both"}
    return found | ({"bilateral"} if _BOTH_SIDES.search(lowered) else set())


# --- Negation ------------------------------------------------------------------------


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


# --- Verification ------------------------------------------------------------------


def verify_statement(statement: Statement, segments: Mapping[int, str]) -> list[Flag]:
    """The flags of one statement against the segments it cites."""

    def flag(kind: str, message: str, cited: str = "") -> Flag:
        return Flag(
            statement.section,
            statement.index,
            statement.text,
            kind,
            message,
            statement.seqs,
            cited[:CITED_WORDS_MAX],
        )

    if not statement.seqs:
        return [flag("uncited", "This statement cites no transcript segment.")]
    missing = [seq for seq in statement.seqs if seq not in segments]
    cited_texts = [segments[seq] for seq in statement.seqs if seq in segments]
    cited = " ".join(cited_texts)
    if missing:
        labels = ", ".join(f"S{seq}" for seq in missing)
        flags = [
            flag(
                "missing_segment",
                f"{labels}: no such segment in this transcript.",
                cited,
            )
        ]
        if not cited_texts:
            return flags
    else:
        flags = []
    found = _checks(statement.text, cited, cited_texts)
    found += verify_meaning.checks(statement.section, statement.text, cited)
    return flags + [flag(kind, message, cited) for kind, message in found]


def _checks(text: str, cited: str, cited_texts: list[str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    extra_numbers = numbers(text) - numbers(cited, spoken=True)
    if extra_numbers:
        shown = ", ".join(_number(n) for n in sorted(extra_numbers))
        found.append(("number", f"{shown}: not said in the cited segments."))
    extra_drugs = drugs(text) - drugs(cited)
    if extra_drugs:
        found.append(
            (
                "drug",
                f"{', '.join(sorted(extra_drugs))}: not named in the cited segments.",
            )
        )
    extra_sides = sides(text) - sides(cited)
    if extra_sides:
        found.append(
            (
                "laterality",
                f"{', '.join(sorted(extra_sides))}: the cited segments do not say this side.",
            )
        )
    problem = negation_problem(text, cited_texts)
    if problem:
        found.append(("negation", f"The statement {problem}."))
    score = support(text, cited)
    if score is not None and score < SUPPORT_THRESHOLD:
        found.append(
            (
                "weak_support",
                f"Only {score:.0%} of its words are in the cited segments.",
            )
        )
    return found


def support(text: str, cited: str) -> float | None:
    """Share of the statement's content words found in the cited text (None: too short)."""
    mine = content_words(text)
    if len(mine) < MIN_CONTENT_WORDS:
        return None
    theirs = content_words(cited) | {_number(n) for n in numbers(cited, spoken=True)}
    return len(mine & theirs) / len(mine)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def verify_sections(
    sections: Mapping[str, str], segments: Mapping[int, str]
) -> list[Flag]:
    """Every flag of every statement of these sections, in order."""
    flags: list[Flag] = []
    for key, text in sections.items():
        for statement in statements(key, text or ""):
            flags += verify_statement(statement, segments)
    return flags
