"""Medications and allergies written as the record writes them.

"I take lisinopril 10 mg once a day and an albuterol inhaler when I need it" becomes
"Lisinopril 10 mg once a day." and "Albuterol inhaler as needed."; "I'm allergic to
penicillin. I got hives with it." becomes "Allergic to penicillin (reaction: hives).".
"""

from __future__ import annotations

import re

from noumaris.common.drug_names import drug_spans
from templates_app.generation.offline import language

DOSE = re.compile(
    r"\b\d+(?:[.,]\d+)?\s*(?:mg|milligrams?|mcg|micrograms?|units?|ml|milliliters?|"
    r"grams?|g|%|percent|puffs?|tablets?|pills?|capsules?)\b",
    re.I,
)
FREQUENCY = re.compile(
    r"\b(once|twice|three times|four times|(?:one|two|three|four|\d) times?) (?:a|per) "
    r"(?:day|week|month)|\b(?:daily|nightly|weekly|monthly|at night|at bedtime|in the "
    r"morning|in the evening|every (?:\w+ )?(?:hours?|days?|weeks?|morning|night)|as "
    r"needed|when (?:i|she|he|the patient|they) needs? (?:it|them|to)|prn|bid|tid|qid|"
    r"with meals)\b",
    re.I,
)
FORM = re.compile(
    r"\b(inhaler|cream|ointment|patch|injection|shot|drops|spray|gel|pen)\b", re.I
)
NOT_A_LIST = re.compile(
    r"\b(stop|stopped|quit|not taking|n't take|n't taking|ran out|allergic|reaction|"
    r"side effect|instead|used to|switch|change|was on|were on|tried|forget|miss)",
    re.I,
)
REACTION_SAID = re.compile(
    r"\b(hives|rash|swelling|anaphylaxis|itch\w*|throat|breath\w*|nausea|vomit\w*|diarrhea|upset stomach)\b",
    re.I,
)
ALLERGIC_TO = re.compile(r"\ballergic to (?P<what>[^.,;]+)", re.I)


def medication_lines(text: str) -> list[str] | None:
    """One line per drug named, with the dose, form and frequency said after it."""
    if NOT_A_LIST.search(text):
        return None
    low = text.lower()
    names = language.drugs(text)
    spans = _mentions(low, names)
    if not spans:
        return None
    lines = []
    for number, (_start, end, said) in enumerate(spans):
        stop = spans[number + 1][0] if number + 1 < len(spans) else len(low)
        tail = low[end:stop]
        parts = [said[0].upper() + said[1:]]
        for pattern in (FORM, DOSE, FREQUENCY):
            found = pattern.search(tail)
            if found:
                parts.append(found.group(0))
        line = " ".join(parts)
        line = re.sub(r"when \w+(?: \w+)? needs? (?:it|them|to)", "as needed", line)
        lines.append(line + ".")
    return lines


def _mentions(low: str, names: list[str]) -> list[tuple[int, int, str]]:
    """Where each drug is said: (start, end, the words said), in order."""
    words = [
        (m.start(), m.end(), m.group(0)) for m in re.finditer(r"[a-z][a-z0-9-]+", low)
    ]
    found = drug_spans([w for _, _, w in words])
    spans = []
    for name, first, last in found:
        if len(name) <= 3 or first >= len(words):
            continue
        start, end = words[first][0], words[min(last, len(words)) - 1][1]
        spans.append((start, end, low[start:end]))
    return sorted(set(spans))


def allergy_with_reaction(allergy: str, following: str) -> str | None:
    """'Allergic to X (reaction: Y).' when the next sentence names the reaction."""
    named = ALLERGIC_TO.search(allergy)
    reactions = [m.group(0).lower() for m in REACTION_SAID.finditer(following)]
    if not named or not reactions:
        return None
    return f"Allergic to {named.group('what').strip()} (reaction: {', '.join(dict.fromkeys(reactions))})."
