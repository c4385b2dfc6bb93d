"""Doses, vitals and durations as numbers with units (issue 23, item 7), the heard
words kept on each rewritten word: "five hundred milligrams" → "500 mg",
"one fifty over ninety" → "150/90", "two weeks" → "2 weeks".

Only a number that a unit, a duration, a count of doses or "over" follows is
rewritten: "one of them" stays words. Number words are read by text2num; a blood
pressure's colloquial "one fifty" (one hundred fifty) is read here.
"""

from dataclasses import replace

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


def _value(words: list[str]) -> str | None:
    """The digits `words` say, or None."""
    if all(w.replace(".", "", 1).replace(",", "").isdigit() for w in words):
        return words[0].replace(",", "") if len(words) == 1 else None
    if "point" in words:  # "ninety eight point six"
        at = words.index("point")
        whole, decimals = _value(words[:at]), words[at + 1 :]
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
    """How many words from `i` could say a number."""
    n = 0
    while i + n < len(words):
        bare = words[i + n].bare
        if bare in NUMBER_WORDS or bare.replace(".", "", 1).replace(",", "").isdigit():
            n += 1
            continue
        break
    while n and words[i + n - 1].bare in {"a", "point", "and"}:
        n -= 1
    if n and words[i].bare == "and":
        return 0
    return n


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


def rewrite(words: list[Word]) -> list[Word]:
    """`words` with each spoken dose, vital and duration written as a number."""
    out, i = [], 0
    while i < len(words):
        n = _number_run(words, i)
        value = _value([w.bare for w in words[i : i + n]]) if n else None
        after = words[i + n] if value is not None and i + n < len(words) else None
        if after is None or (n == 1 and words[i].bare == "a"):
            out.append(words[i])
            i += 1
            continue
        run = words[i : i + n]
        if after.bare == "over":
            m = _number_run(words, i + n + 1)
            second = _value([w.bare for w in words[i + n + 1 : i + n + 1 + m]])
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
