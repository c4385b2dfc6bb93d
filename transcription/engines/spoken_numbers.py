"""Doses, vitals and durations as numbers with units (issue 23, item 7), the heard
words kept on each rewritten word: "five hundred milligrams" → "500 mg",
"one fifty over ninety" → "150/90", "two weeks" → "2 weeks".

Only a number that a unit, a duration, a count of doses or "over" follows is
rewritten: "one of them" stays words. Number words are read by text2num; a blood
pressure's colloquial "one fifty" (one hundred fifty) is read here, and so are the
forms Whisper writes beside digits: "twenty-five" (hyphenated), ".5" and "point
five" (written 0.5: a dose never loses its leading zero).
"""

import re
from dataclasses import replace
from decimal import Decimal

from transcription.engines.words import NUMBER, Word

UNITS = {
    "milligram": "mg",
    "milligrams": "mg",
    "mg": "mg",
    "microgram": "mcg",
    "micrograms": "mcg",
    "mcg": "mcg",
    "gram": "g",
    "grams": "g",
    "kilogram": "kg",
    "kilograms": "kg",
    "kilos": "kg",
    "milliliter": "mL",
    "milliliters": "mL",
    "millilitres": "mL",
    "centimeter": "cm",
    "centimeters": "cm",
    "millimeter": "mm",
    "millimeters": "mm",
    "percent": "%",
}
# Words that keep their spelling but make the number before them a quantity.
COUNTED = frozenset(
    [
        "unit",
        "units",
        "tablet",
        "tablets",
        "pill",
        "pills",
        "puff",
        "puffs",
        "capsule",
        "capsules",
        "drop",
        "drops",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "hour",
        "hours",
        "minute",
        "minutes",
        "times",
        "beats",
        "breaths",
        "pounds",
        "degrees",
    ]
)
# Spoken fractions of a unit: "half a milligram" (0.5 mg), "a quarter milligram",
# "one and a half milligrams", "three quarters of a milligram".
FRACTIONS = {"half": Decimal("0.5"), "quarter": Decimal("0.25")}
THREE_QUARTERS = Decimal("0.75")
# A unit glued to its number as Whisper writes it: "40mg", "2.5mg", "10mcg", "5ml".
GLUED = re.compile(
    r"^(?P<lead>[(\"']*)(?P<number>\d[\d,]*(?:\.\d+)?|\.\d+)"
    r"(?P<unit>mg|mcg|g|kg|ml|mL|cm|mm|MG|MCG|ML)(?P<tail>[.,?!;:)\"']*)$"
)  # case by case: "4G" is no 4 g
GLUED_UNITS = {"ml": "mL"}  # the others are written in lower case
# A "point" after these is a place, not a decimal point ("at that point two weeks").
NOT_DECIMAL_AFTER = frozenset(
    ["the", "this", "that", "a", "any", "some", "no", "one", "each", "every", "what"]
)
ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
NUMBER_WORDS = frozenset(
    ONES + TEENS + TENS + ["hundred", "thousand", "point", "a", "and"]
)


def _digits(text: str) -> bool:
    return text.replace(".", "", 1).replace(",", "").isdigit()


def _parts(word: Word) -> list[str] | None:
    """What `word` says of a number: its digits (".5" as 0.5) or its number words
    ("twenty-five": twenty, five); None when it says none."""
    bare = word.bare
    if _digits(bare):
        return ["0." + bare] if re.match(r"""[("'$]*\.\d""", word.text) else [bare]
    if bare in NUMBER_WORDS:
        return [bare]
    parts = bare.split("-")
    if len(parts) > 1 and all(p in ONES + TEENS + TENS for p in parts):
        return parts
    return None


def _value(words: list[str]) -> str | None:
    """The digits `words` say, or None ("zero five" is none: a zero is said
    before a decimal point, not before other digits)."""
    if not words:
        return None
    if words[0] == "zero" and words[1:2] not in ([], ["point"]):
        return None
    if words[:1] == ["a"] and words[1:2] in (["hundred"], ["thousand"]):
        words = ["one", *words[1:]]  # "a hundred milligrams"
    if all(_digits(w) for w in words):
        return words[0].replace(",", "") if len(words) == 1 else None
    if "point" in words:  # "ninety eight point six"; "point five" is 0.5
        at = words.index("point")
        whole, decimals = _value(words[:at]) if at else "0", words[at + 1 :]
        if whole is None or not decimals or any(d not in ONES for d in decimals):
            return None
        return whole + "." + "".join(str(ONES.index(d)) for d in decimals)
    colloquial = _colloquial(words)
    if colloquial is not None:
        return colloquial
    from text_to_num import text2num

    try:
        return str(text2num(" ".join(words), "en"))
    except ValueError:
        return None


def _colloquial(words: list[str]) -> str | None:
    """ "one fifty" / "one twenty five": a hundreds digit then the rest."""
    if len(words) < 2 or words[0] not in ONES[1:]:
        return None
    rest = words[1:]
    if len(rest) == 1 and rest[0] in TEENS + TENS:
        tail = (TEENS + TENS).index(rest[0])
        value = 10 + tail if tail < len(TEENS) else 20 + 10 * (tail - len(TEENS))
    elif len(rest) == 2 and rest[0] in TENS and rest[1] in ONES[1:]:
        value = 20 + 10 * TENS.index(rest[0]) + ONES.index(rest[1])
    else:
        return None
    return str(100 * ONES.index(words[0]) + value)


def _number_run(words: list[Word], i: int) -> int:
    """How many words from `i` could say one number: never past a word that ends a
    phrase ("four, five weeks": "four," is one run, "five" the next)."""
    n = 0
    while i + n < len(words) and _parts(words[i + n]) is not None:
        n += 1
        if re.search(r"[.,?!;:]$", words[i + n - 1].text):
            break
    while n and words[i + n - 1].bare in {"a", "point", "and"}:
        n -= 1
    if n and words[i].bare == "and":
        return 0
    if n and words[i].bare == "a" and words[i + 1].bare not in {"hundred", "thousand"}:
        return 0  # "take a five milligram tablet": the number is "five"
    if n and words[i].bare == "point" and not _decimal_point(words, i):
        return 0
    return n


def _decimal_point(words: list[Word], i: int) -> bool:
    """Whether the "point" opening a number at `i` is a decimal point ("measuring
    point five centimeters"), not a place ("at that point, two weeks later")."""
    if words[i].text.lower() != "point":  # "point," ends a phrase
        return False
    return i == 0 or words[i - 1].bare not in NOT_DECIMAL_AFTER


def _said(run: list[Word]) -> str | None:
    """The digits the words of `run` say, or None."""
    return _value([part for w in run for part in _parts(w) or ()])


def _merged(run: list[Word], text: str) -> Word:
    heard = " ".join(w.text for w in run)
    word = Word(
        text=text,
        start_ms=run[0].start_ms,
        end_ms=run[-1].end_ms,
        probability=min(w.probability for w in run),
        heard=heard if heard != text else None,
        kind=NUMBER if heard != text else "",
    )
    return word.with_punctuation_of(run[-1], text)


def _fraction(words: list[Word], i: int) -> tuple[int, str] | None:
    """How many words from `i` say a fraction of the unit after them, and its value:
    "half a" (milligram) 0.5, "a quarter of a" 0.25, "one and a half" 1.5. A whole
    number with a fraction may count doses or days too ("two and a half weeks");
    a fraction alone only a unit ("half a day" stays as said)."""
    bares = [w.bare for w in words[i : i + 8]]
    whole, j = Decimal(0), 0
    n = _number_run(words, i)
    value = _said(words[i : i + n]) if n else None
    if value is not None and "." not in value and bares[n : n + 1] == ["and"]:
        whole, j = Decimal(value), n + 1
    part = bares[j : j + 2]
    if part[:1] in (["a"], ["an"], ["one"]) and part[1:] and part[1] in FRACTIONS:
        fraction, j = FRACTIONS[part[1]], j + 2
    elif part in (["three", "quarters"], ["three", "quarter"]):
        fraction, j = THREE_QUARTERS, j + 2
    elif part[:1] == ["three-quarters"]:
        fraction, j = THREE_QUARTERS, j + 1
    elif part[:1] and part[0] in FRACTIONS and not whole:
        fraction, j = FRACTIONS[part[0]], j + 1
    else:
        return None
    if bares[j : j + 1] == ["of"]:
        j += 1
    if bares[j : j + 1] in (["a"], ["an"]) and not whole:
        j += 1
    unit = bares[j] if j < len(bares) else None
    counted = unit in UNITS or (whole and unit in COUNTED)
    if not counted or any(re.search(r"[.,?!;:]$", w.text) for w in words[i : i + j]):
        return None
    return j, str(whole + fraction)


def _glued(word: Word) -> Word | None:
    """ "40mg" as "40 mg" (Whisper writes some doses so), the heard word kept."""
    match = GLUED.match(word.text)
    if match is None:
        return None
    number, unit = match["number"], match["unit"].lower()
    number = "0" + number if number.startswith(".") else number
    text = f"{match['lead']}{number} {GLUED_UNITS.get(unit, unit)}{match['tail']}"
    return replace(word, text=text, heard=word.text, kind=NUMBER)


def rewrite(words: list[Word]) -> list[Word]:
    """`words` with each spoken dose, vital and duration written as a number."""
    out, i = [], 0
    while i < len(words):
        glued = _glued(words[i])
        if glued is not None:
            out.append(glued)
            i += 1
            continue
        fraction = _fraction(words, i)
        if fraction is not None:
            n, value = fraction
            out.append(_merged(words[i : i + n], value))
            after = words[i + n]
            unit = UNITS.get(after.bare)
            out.append(_unit(after, unit) if unit else after)
            i += n + 1
            continue
        n = _number_run(words, i)
        value = _said(words[i : i + n]) if n else None
        if n > 1 and value is None:  # "two three days": no one number, left as said
            out.extend(words[i : i + n])
            i += n
            continue
        after = words[i + n] if value is not None and i + n < len(words) else None
        if after is None or (n == 1 and words[i].bare == "a"):
            out.append(words[i])
            i += 1
            continue
        run = words[i : i + n]
        if after.bare == "over":
            m = _number_run(words, i + n + 1)
            second = _said(words[i + n + 1 : i + n + 1 + m])
            if m and second is not None:
                run = words[i : i + n + 1 + m]
                out.append(_merged(run, f"{value}/{second}"))
                i += len(run)
                continue
        if after.bare in UNITS:
            unit = UNITS[after.bare]
            out.append(_merged(run, value))
            out.append(_unit(after, unit))
            i += n + 1
            continue
        if after.bare in COUNTED:
            out.append(_merged(run, value))
            i += n
            continue
        out.append(words[i])
        i += 1
    return _attach_percent(out)


def _unit(word: Word, unit: str) -> Word:
    if word.bare == unit.lower():
        return word
    return replace(word.with_punctuation_of(word, unit), heard=word.text, kind=NUMBER)


def _attach_percent(words: list[Word]) -> list[Word]:
    """ "95 %" → "95%"."""
    out: list[Word] = []
    for word in words:
        if out and word.text.startswith("%") and word.kind == NUMBER:
            last = out.pop()
            heard = " ".join(filter(None, [last.heard or last.text, word.heard]))
            out.append(
                replace(
                    last,
                    text=last.text + word.text,
                    end_ms=word.end_ms,
                    probability=min(last.probability, word.probability),
                    heard=heard,
                    kind=NUMBER,
                )
            )
        else:
            out.append(word)
    return out
