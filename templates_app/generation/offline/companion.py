"""History told by someone with the patient (a parent, a spouse, a caregiver): who
they are, and their words in the note's voice.

A speaker is the patient's companion when the clinician named their role so (family,
parent, caregiver, relative, guardian), or, named the patient or not named at all
(the automatic roles call every answering voice the patient's), when their words speak
of the patient rather than of themselves: "she" and "he" at least twice as often as
"I", "me" and "my", and at least six times. Who they are to the patient comes from the
words of the visit ("are these your first two babies?": a parent; "your husband": a
wife), else "the family".

Their account is the patient's history, told by them: "she is in feeding therapy" ->
"Per her parent, she is in feeding therapy."; their own first person becomes who they
are: "I took her off dairy milk" -> "Her parent took her off dairy milk."
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from templates_app.generation.base import Segment
from templates_app.generation.offline import language

COMPANION_ROLES = frozenset(["caregiver", "parent", "family", "relative", "guardian"])
NAMED = {"parent": "parent", "guardian": "guardian", "caregiver": "caregiver"}
FIRST = re.compile(r"\b(?:i|i'm|i've|i'd|i'll|me|my|mine|myself)\b")
THIRD = re.compile(r"\b(?:she|he|she's|he's)\b")
CHILD = r"(?:daughter|son|baby|babies|child|children|kids?|twins?|little one|boy|girl)"
PARTNER = r"(?:husband|wife|partner|spouse)"
# Said to the companion or by them: "are these your first two babies?", "my son".
PARENT = re.compile(rf"\b(?:your|my) (?:\w+ ){{0,2}}{CHILD}\b")
SPOUSE = re.compile(rf"\b(?:your|my) {PARTNER}\b")
SAID_AS = re.compile(
    r"\b(?:i'm|i am|you're|you are) (?:her|his|the patient's|their) "
    r"(?P<who>mom|mother|dad|father|wife|husband|daughter|son|caregiver)\b"
)
WHO = {"mom": "mother", "dad": "father"}
OURS = {"we": "they", "our": "their", "us": "them", "ours": "theirs"}


@dataclass(frozen=True, slots=True)
class Companion:
    seqs: frozenset[int]  # the segments they spoke
    who: str  # "her parent", "his wife", "the family"

    def spoke(self, seqs: tuple[int, ...]) -> bool:
        return seqs[-1] in self.seqs

    def in_note_voice(self, text: str) -> str:
        """Their words about the patient, said as theirs ("" stays "")."""
        text = re.sub(
            r"\b(we|our|us|ours)\b",
            lambda m: OURS[m.group(1).lower()],
            text,
            flags=re.I,
        ).strip(" .")
        if not text:
            return ""
        if FIRST.search(text.lower()):
            forms = {"subj": self.who, "obj": self.who, "poss": f"{self.who}'s",
                     "refl": self.who, "own": f"{self.who}'s"}  # fmt: skip
            said = language.third_person(text, speaker="patient", forms=forms)
            return language.sentence_case(said)
        if not re.match(r"(?:I\b|[A-Z]{2})", text):
            text = text[0].lower() + text[1:]
        return language.sentence_case(f"per {self.who}, {text}")


def companion_of(
    segments: tuple[Segment, ...], roles: dict[int, str | None], gender: str | None
) -> Companion | None:
    """Who, beside the patient, answered for them; None when the patient did."""
    by_speaker: dict[int | None, list[Segment]] = {}
    for segment in segments:
        if roles.get(segment.seq) == "patient":
            by_speaker.setdefault(segment.speaker, []).append(segment)
    theirs = [
        spoken
        for spoken in by_speaker.values()
        if str(spoken[0].speaker_role or "").lower() in COMPANION_ROLES
        or _speaks_of_the_patient(" ".join(s.text for s in spoken).lower())
    ]
    if not theirs:
        return None
    seqs = frozenset(s.seq for spoken in theirs for s in spoken)
    named = str(theirs[0][0].speaker_role or "").lower()
    text = " ".join(s.text.lower() for s in segments)
    poss = {"female": "her", "male": "his"}.get(gender or "", "the patient's")
    stated = SAID_AS.search(text)
    if stated:
        who = WHO.get(stated.group("who"), stated.group("who"))
    elif named in NAMED:
        who = NAMED[named]
    elif PARENT.search(text):
        who = "parent"
    elif SPOUSE.search(text):
        who = {"female": "husband", "male": "wife"}.get(gender or "", "spouse")
    else:
        return Companion(seqs, "the family")
    return Companion(seqs, f"{poss} {who}")


def _speaks_of_the_patient(low: str) -> bool:
    third, first = len(THIRD.findall(low)), len(FIRST.findall(low))
    return third >= 6 and third >= 2 * first
