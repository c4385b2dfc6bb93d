"""Patient instructions: the draft written to the patient, in plain second person.

A template written for the patient (its instructions say so, or its sections speak
to "your ...") takes what the clinician concluded and will do, not the examination:
"What we found" holds the assessment and results, "Your medicines" the plan's lines
that name a drug (never an allergen), and every line is turned to the patient:
"Advised to weigh himself every day." -> "Weigh yourself every day."; "Will
prescribe oxycodone 5 mg ..." -> "We will prescribe oxycodone 5 mg ..."; "Increase
his Lasix to 80 mg once a day." -> "We will increase your Lasix to 80 mg once a day.".
Second person is allowed here only; the clinician's note keeps the third.
"""

from __future__ import annotations

import re

from templates_app.generation.base import DraftRequest
from templates_app.generation.offline import language
from templates_app.generation.offline.spoken import (
    ADVERBS,
)

FACING = re.compile(r"\b(?:written )?to the patient\b|\bafter-visit\b", re.I)
# Clinician-voice openings -> the patient's (applied in order, at the start).
OPENINGS = tuple(
    (re.compile(p, re.I), r)
    for p, r in (
        (r"^advised to\s+", ""),
        (r"^recommend(?:ed)?(?: that)?\s+", "We recommend that "),
        (r"^will\s+", "We will "),
        (r"^(order|increase|decrease|continue|start|stop|prescribe|refer|get|schedule|"
         r"repeat|check|obtain|send|give|switch|change|add|hold|discontinue)\b",
         lambda m: "We will " + m.group(1).lower()),
        (r"^see (?=(?:him|her|them|the patient) )", "We will see "),
        (r"^(ordered|prescribed|sent|referred|started)\b",
         lambda m: "We " + m.group(1).lower()),
    )
)  # fmt: skip
_BE_HAVE = {
    "is": "are", "was": "were", "has": "have", "does": "do", "doesn't": "don't",
    "hasn't": "haven't", "isn't": "aren't", "wasn't": "weren't",
}  # fmt: skip
_OBJECT_AFTER = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "with",
        "for",
        "in",
        "on",
        "at",
        "and",
        "or",
        "about",
        "again",
        "back",
        "some",
        "any",
        "that",
        "this",
        "into",
        "up",
        "down",
        "out",
        "off",
        "today",
        "now",
    ]
)


def facing(request: DraftRequest) -> bool:
    """The template is written to the patient."""
    return bool(FACING.search(request.template_instructions)) or any(
        spec.title.lower().startswith("your ") for spec in request.sections
    )


def second_person(text: str, gender: str | None) -> str:
    """The statement said to the patient: their pronouns become "you"."""
    words = re.findall(r"\d+(?:[.,/:]\d+)*%?|[\w'-]+|[^\w\s]", text.replace("’", "'"))
    subject = {"female": "she", "male": "he"}.get(gender or "", "the patient")
    out: list[str] = []
    i = 0
    while i < len(words):
        word, low = words[i], words[i].lower()
        nxt = words[i + 1].lower() if i + 1 < len(words) else ""
        if low == subject or (
            subject == "the patient" and low == "the" and nxt == "patient"
        ):
            i += 2 if low == "the" else 1
            if low == "the" and i < len(words) and words[i] == "'s":
                out.append("your")
                i += 1
                continue
            out.append("you")
            at = i
            while at < len(words) and words[at].lower() in ADVERBS:
                out.append(words[at])
                at += 1
            if at < len(words):
                out.append(_base(words[at]))
                at += 1
            i = at
            continue
        out.append(_object_or_own(low, nxt, gender) or word)
        i += 1
    said = re.sub(r"\s+([,.;:!?)])", r"\1", " ".join(out))
    said = re.sub(r"\byou's\b", "your", said)
    return said


def _object_or_own(low: str, nxt: str, gender: str | None) -> str | None:
    own = {"female": "her", "male": "his"}.get(gender or "", "their")
    obj = {"female": "her", "male": "him"}.get(gender or "", "them")
    reflexive = {"female": "herself", "male": "himself"}.get(gender or "", "themselves")
    if low == reflexive:
        return "yourself"
    if low == own == obj:  # "her": "give her a strainer", "her knee"
        return (
            "you" if not nxt or nxt in _OBJECT_AFTER or not nxt[0].isalnum() else "your"
        )
    if low == own:
        return "your"
    if low == obj:
        return "you"
    return None


def _base(verb: str) -> str:
    """The verb after "you": "you has" -> "you have", "you pushes" -> "you push"."""
    low = verb.lower()
    if low in _BE_HAVE:
        return _BE_HAVE[low]
    if not low.isalpha() or len(low) <= 3 or low.endswith(("ss", "us", "is")):
        return verb
    if low.endswith("ies"):
        return low[:-3] + "y"
    if re.search(r"(?:sh|ch|x|z|o)es$", low):
        return low[:-2]
    return low[:-1] if low.endswith("s") else verb


def instruction(text: str, gender: str | None) -> str:
    """One line of the patient's instructions, from the note's statement."""
    problem, _, rest = text.partition(": ")
    if not rest or len(problem.split()) > 5:
        problem, rest = "", text
    for pattern, replacement in OPENINGS:
        if pattern.match(rest):
            rest = pattern.sub(replacement, rest, count=1)
            break
    rest = re.sub(r"(?<=, )will\b", "we will", rest)  # "because of ..., will start"
    rest = language.sentence_case(second_person(rest, gender))
    return f"{problem}: {rest[0].lower()}{rest[1:]}" if problem else rest
