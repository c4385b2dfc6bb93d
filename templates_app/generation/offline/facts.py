"""Facts in the record's standard form: vitals, doses and counts written as a note does.

"his blood pressure is one fifty over ninety" -> "BP 150/90"; "heart rate is 88" ->
"HR 88"; "prednisone one milligram" -> "prednisone 1 mg"; "ninety four percent" ->
"94%". Spoken numbers become digits where a unit, "over", or a vital's name shows
they are a measurement ("one twenty eight over seventy two": 128/72, as clinicians
say it); elsewhere words stay words.
"""

from __future__ import annotations

import re

from templates_app.generation.offline import language

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
        "seventy": 70, "eighty": 80, "ninety": 90}  # fmt: skip
_NUMBER_WORD = "|".join([*UNITS, *TENS, "hundred", "thousand", "point"])
RUN = re.compile(
    rf"\b(?:{_NUMBER_WORD})(?:[\s-]+(?:and[\s-]+)?(?:{_NUMBER_WORD}))*\b", re.I
)
UNIT_AFTER = re.compile(
    r"^\s*(?:mg|milligrams?|mcg|micrograms?|grams?|units?|ml|milliliters?|percent|%|"
    r"over|beats|breaths|degrees|pounds|kilograms|centimeters|millimeters|puffs?|"
    r"tablets?|pills?|capsules?|times (?:a|per)|mmhg|milliequivalents?|"
    r"out of (?:4|6|10|four|six|ten))\b",
    re.I,
)
VITAL_BEFORE = re.compile(
    r"\b(?:pressure|rate|pulse|temperature|temp|saturation|sat|sats|oxygen|a1c|bmi|"
    r"weight|glucose|sugars?|over|is|of|at|was|respirations? (?:are|were))(?:'s)?"
    r"(?:\s+(?:like|about|around|roughly|approximately))*\s*$",
    re.I,
)
STANDARD = tuple(
    (re.compile(p, re.I), r)
    for p, r in (
        (r"\b(?:blood pressure|bp)(?:'s)?(?:\s+(?:is|was|of|at|today|here|reading|"
         r"in the office|looks|looked|came in at|reads|good|nice|pretty|about|"
         r"elevated|quite|well|very|really|great|fine|at),?)*[\s,:]+(\d{2,3})\s*"
         r"(?:over|/)\s*(\d{2,3})\b", r"BP \1/\2"),
        (r"\b(?:heart rate|pulse)(?:'s)?(?:\s+(?:is|was|of|at|today|here|rate|nice|and|"
         r"slow|good|normal|regular|steady|running|about|around|a|little|bit|also|like|"
         r"elevated|pretty|up|high|down|low))*[\s,:]+(\d{2,3})\b(?: beats (?:per|a) minute| bpm)?",
         r"HR \1"),
        (r"\b(?:respiratory rate|respirations?)(?:\s+(?:is|are|was|were|of|at|today|here|"
         r"pretty|normal|like|about|around))*[\s,:]+(\d{1,2})\b"
         r"(?: breaths per minute)?", r"RR \1"),
        (r"\btemperature(?:\s+(?:is|was|of|at|today|here))*[\s,:]+(\d{2,3}(?:\.\d)?)"
         r"\b(?: degrees)?", r"T \1"),
        (r"\b(?:oxygen saturation|o2 sat(?:uration)?|oxygen|pulse ox|sats?)"
         r"(?:\s+(?:is|was|of|at|today|here|level))*[\s,:]+(\d{2,3})\s*(?:percent|%)",
         r"SpO2 \1%"),
        (r"\bonce or twice\b", "1-2 times"),
        # a duration as a number: "come back in about a week" -> "in about 1 week"
        (r"\b(in|for|within|after|over|of)( about| approximately| around|)"
         r" an? (hour|day|week|month|year)\b(?! or\b)", r"\1\2 1 \3"),
        (r"\b(\d+(?:\.\d+)?)\s*milligrams?\b", r"\1 mg"),
        (r"\b(\d+(?:\.\d+)?)\s*micrograms?\b", r"\1 mcg"),
        (r"\b(\d+(?:\.\d+)?)\s*milliliters?\b", r"\1 mL"),
        (r"\b(\d+(?:\.\d+)?)\s*centimeters?\b", r"\1 cm"),
        (r"\b(\d+(?:\.\d+)?)\s*millimeters?\b", r"\1 mm"),
        (r"\b(\d+(?:\.\d+)?)\s*percent\b", r"\1%"),
        (r"\b(\d{2,3})\s+over\s+(\d{2,3})\b", r"\1/\2"),
        # a murmur's grade, a pain score
        (r"\b(\d{1,2}) (?:out of|over) (4|6|10)\b(?!/)", r"\1/\2"),
        (r"\b(?:his|her|their|your|the patient's)\s+(?=(?:BP|HR|RR|T|SpO2) \d)", ""),
    )
)  # fmt: skip


def value(words: list[str]) -> float | None:
    """The number a run of number words says; "one twenty eight" is 128."""
    for at, word in enumerate(words):
        if word == "and" and (at == 0 or words[at - 1] not in {"hundred", "thousand"}):
            return None  # "seventy two and ninety eight": two numbers
    words = [w for w in words if w != "and"]
    if not words or any(w == "point" for w in words[:1] + words[-1:]):
        return None
    if "point" in words:
        at = words.index("point")
        whole, decimals = value(words[:at]), words[at + 1 :]
        if whole is None or not all(w in UNITS and UNITS[w] < 10 for w in decimals):
            return None
        return float(f"{int(whole)}." + "".join(str(UNITS[w]) for w in decimals))
    if (
        len(words) >= 2
        and words[0] in UNITS
        and UNITS[words[0]] < 10
        and (words[1] in TENS or (words[1] in UNITS and UNITS[words[1]] >= 10))
    ):  # "one fifty", "one twenty eight", "one ten": hundreds, spoken short
        rest = value(words[1:])
        return None if rest is None or rest >= 100 else UNITS[words[0]] * 100 + rest
    total, current = 0, 0
    for word in words:
        if word in UNITS:
            if current % 10 or current % 100 >= 10 and UNITS[word] >= 10:
                return None  # "two three", "twenty eleven": not one number
            current += UNITS[word]
        elif word in TENS:
            if current % 100:
                return None
            current += TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word == "thousand":
            total, current = total + (current or 1) * 1000, 0
    return float(total + current)


def _shown(number: float) -> str:
    return str(int(number)) if number.is_integer() else f"{number:g}"


def digits(text: str) -> str:
    """Spoken numbers written as digits where they are measurements."""

    def replace(match: re.Match) -> str:
        before, after = text[: match.start()], text[match.end() :]
        if not (UNIT_AFTER.match(after) or VITAL_BEFORE.search(before)):
            return match.group(0)
        words = re.split(r"[\s-]+", match.group(0).lower())
        number = value(words)
        if number is None or words[0] == "and":
            return match.group(0)
        return _shown(number)

    return RUN.sub(replace, text)


def standard_form(text: str) -> str:
    """Vitals, doses and percentages as the record writes them."""
    out = digits(text)
    for pattern, replacement in STANDARD:
        out = pattern.sub(replacement, out)
    return out


VITAL = re.compile(
    r"\b(?:BP \d{2,3}/\d{2,3}|HR \d{2,3}|RR \d{1,2}|T \d{2,3}(?:\.\d)?|SpO2 \d{2,3}%)"
)


# A blood pressure said with words between ("blood pressure is a little elevated,
# that's probably the pain, we are looking at like a 140/70").
BP_LATER = re.compile(
    r"\bblood pressure\b[^\d.;?]{8,160}?\b(\d{2,3})\s*/\s*(\d{2,3})\b", re.I
)


def vitals(text: str) -> list[str]:
    """The vitals a stretch of speech states, in standard form ("BP 150/90")."""
    out = standard_form(language.mend(text))
    return [*VITAL.findall(out), *(f"BP {a}/{b}" for a, b in BP_LATER.findall(out))]


def vitals_missed(
    said: list[tuple[int, str]], drafted: list[str]
) -> list[tuple[str, int]]:
    """("BP 122/70, HR 67.", seq) for each clinician segment whose stated vitals no
    drafted statement holds: every dictated vital reaches the note."""
    held = {v for text in drafted for v in vitals(text)}
    out = []
    for seq, text in said:
        missing = [v for v in dict.fromkeys(vitals(text)) if v not in held]
        if missing:
            held.update(missing)
            out.append((", ".join(missing) + ".", seq))
    return out
