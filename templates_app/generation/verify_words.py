"""The words the verifier compares: tokens, numbers (digits or as spoken), content
words (crude stems, scribe words left out), drug names and sides.

Pure functions over text: no database, no Django.
"""

from __future__ import annotations

import re

from noumaris.common import drug_names
from templates_app.generation.offline import facts

_WORD = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+(?:'[a-z]+)?")
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
# Words before "one" that make it a pronoun: "no one smokes", "the other one".
PRONOUN_ONE = frozenset({"no", "any", "every", "some", "this", "that", "other",
                         "which", "each", "another"})  # fmt: skip
# How a speaker says a count that a note writes as a number (source side only).
SPOKEN_COUNTS = {"once": 1, "twice": 2, "thrice": 3, "half": 0.5, "dozen": 12,
                 "couple": 2}  # fmt: skip
TIME_UNITS = {"day", "week", "month", "year", "hour", "minute"}
SIDES = {"left": "left", "right": "right", "bilateral": "bilateral"}
SIDES |= {"bilaterally": "bilateral", "both": "bilateral"}
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


def words(text: str) -> list[str]:
    # "do n't" (tokenised transcripts) is "don't"
    text = re.sub(r"(\w) n't\b", r"\1n't", text.lower().replace("-", " "))
    return _WORD.findall(text)


def numbers(text: str, *, spoken: bool = False) -> set[float]:
    """Every number in the text, written as digits or as words."""
    out: set[float] = set()
    current: float | None = None
    text = re.sub(r"\b(spo|o)2\b", r"\1", text, flags=re.I)  # SpO2 94%: 94 only
    if spoken:  # "ninety eight . two": read as the drafter reads it
        from templates_app.generation.offline.language import spoken_decimals

        text = spoken_decimals(text)
    tokens = words(text)
    for position, word in enumerate(tokens):
        following = tokens[position + 1] if position + 1 < len(tokens) else ""
        if word[0].isdigit():
            out.add(float(word.replace(",", "")))
            current = None
        elif word == "one" and position and tokens[position - 1] in PRONOUN_ONE:
            current = None  # "no one", "this one", "the other one": not a count
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


_DATE = re.compile(r"\b(\d{1,2})[/-](?:(\d{1,2})[/-])?(\d{4}|\d{2})\b")


def dates(text: str) -> list[tuple[int, int | None, int, tuple[float, ...]]]:
    """(month, day or None, year's last two digits, the numbers it is written with)
    for each date written with slashes or dashes (3/1/21, 03/01/2021, 12-2019)."""
    out = []
    for match in _DATE.finditer(text):
        month, day, year = match.group(1), match.group(2), match.group(3)
        if not 1 <= int(month) <= 12 or (day is None and len(year) == 2):
            continue  # "6/10" is a score, not a date
        written = tuple(float(g) for g in match.groups() if g is not None)
        out.append((int(month), int(day) if day else None, int(year) % 100, written))
    return out


def same_dates(text: str, cited: str) -> set[float]:
    """The numbers of the text's dates that a date of `cited` says too, however
    written (03/01/2021 and 3/1/21; 01/2020 and 01/20/20)."""
    theirs = dates(cited)
    out: set[float] = set()
    for month, day, year, written in dates(text):
        for m, d, y, _ in theirs:
            if m == month and y == year and (day is None or d is None or d == day):
                out.update(written)
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
            out.add(number_text(float(word.replace(",", ""))))
        elif word in UNITS or word in TENS:
            out.add(str(UNITS.get(word, TENS.get(word))))
        elif word not in STOPWORDS and len(word) > 2:
            out.add(stem(word))
    return out


_DRUG_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9-]*")


def drug_tokens(text: str) -> list[str]:
    """The text's words as the drug finder reads them (drug_spans counts in these)."""
    return _DRUG_TOKEN.findall(text)


def drug_spans(text: str) -> list[tuple[str, int, int]]:
    """(drug, first word, word after it) for each drug name, in drug_tokens words."""
    found = drug_names.drug_spans(drug_tokens(text))
    return [(name.lower(), start, end) for name, start, end in found]


def drugs(text: str) -> set[str]:
    """Drug names in the text, folded to one name per drug (Tylenol: acetaminophen)."""
    return {name for name, _, _ in drug_spans(text)}


# "right" as speech uses it ("all right", "right now", "that's right", "right?"),
# not as a side.
_NOT_A_SIDE = re.compile(
    r"\b(?:all|that's|that is|you're|you are|alright) right\b"
    r"|\bright(?= ?(?:now|away|here|there|then|after|before|back|so|okay|ok|"
    r"[?,.]|$))"
    # "right at the shoulder", "right in the middle": where, not which side
    r"|\bright(?= (?:at|in|on|by|around|about|under|over|behind|below|above|"
    r"into|through|along|near|next to|where)\b)"
)
_BOTH_SIDES = re.compile(
    r"\bboth (?:sides|legs|arms|eyes|ears|knees|feet|hands|lungs|hips|shoulders)\b"
)


def sides(text: str) -> set[str]:
    """left, right, bilateral: the sides the text names."""
    lowered = _NOT_A_SIDE.sub(" ", text.lower())
    found = {SIDES[w] for w in words(lowered) if w in SIDES and w != "both"}
    return found | ({"bilateral"} if _BOTH_SIDES.search(lowered) else set())


SIDE_REACH = 4  # words either side of "left" or "right" that say what is on that side
OPPOSITE = {"left": "right", "right": "left"}


def _side_contexts(text: str) -> dict[str, list[set[str]]]:
    """For each side the text names, the content words around each mention of it."""
    tokens = words(_NOT_A_SIDE.sub(" ", text.lower()))
    out: dict[str, list[set[str]]] = {}
    for k, token in enumerate(tokens):
        if token not in OPPOSITE:
            continue
        near = tokens[max(0, k - SIDE_REACH) : k] + tokens[k + 1 : k + 1 + SIDE_REACH]
        out.setdefault(token, []).append(
            {stem(w) for w in near if w not in STOPWORDS and len(w) > 2}
        )
    return out


def swapped_sides(text: str, cited: str) -> set[str]:
    """Sides of the text said there of what the cited words say of the other side:
    "edema of the left knee" where they say "edema of your right knee, but your left
    knee looks fine" (both sides named, so `sides` cannot tell)."""
    mine, theirs = _side_contexts(text), _side_contexts(cited)
    out = set()
    for side, contexts in mine.items():
        other = OPPOSITE[side]
        if side not in theirs or other not in theirs:
            continue
        for context in contexts:
            same = max(len(context & c) for c in theirs[side])
            if max(len(context & c) for c in theirs[other]) > same:
                out.add(side)
    return out


# Paired parts of the body: a note that says "right knee" in one place and "left
# knee" in another has one of them wrong, or the attending must say why not.
PAIRED_PARTS = {
    **{
        part: part
        for part in [
            "knee",
            "wrist",
            "ankle",
            "hip",
            "shoulder",
            "elbow",
            "foot",
            "hand",
            "leg",
            "arm",
            "eye",
            "ear",
            "kidney",
            "breast",
            "flank",
            "thumb",
            "finger",
            "toe",
            "heel",
            "calf",
            "thigh",
            "groin",
            "ureter",
            "forearm",
            "hamstring",
        ]
    },
    "feet": "foot",
}
_SIDE_PART = re.compile(
    r"\b(left|right)((?:\s+[a-z-]+){0,2}?)\s+("
    + "|".join(sorted(PAIRED_PARTS, key=len, reverse=True))
    + r")(?:s|es)?\b"
)


def side_parts(text: str) -> set[tuple[str, str]]:
    """(side, part) for each paired part the text puts on a side: "right knee",
    "left lower leg", "right 2nd toe"."""
    lowered = _NOT_A_SIDE.sub(" ", text.lower())
    return {
        (match.group(1), PAIRED_PARTS[match.group(3)])
        for match in _SIDE_PART.finditer(lowered)
    }


def number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
