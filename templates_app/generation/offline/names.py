"""Who the clinician greets by name in a visit ("hi russell", "mrs. cooper"): the
words that, said to someone, are not for the record (the offline drafter leaves
them out of its statements)."""

from __future__ import annotations

import re

from templates_app.generation.offline.spoken import DISCOURSE

_GREETED = re.compile(
    r"(?:^|[.?!,]\s*)(?:hi|hello|hey|good (?:morning|afternoon|evening)|mr|mrs|ms|miss)"
    r"\.?,?\s+([a-z]{3,})\b"
)
NOT_NAMES = frozenset(
    [
        "there",
        "how",
        "and",
        "but",
        "when",
        "with",
        "that",
        "your",
        "the",
        "are",
        "did",
        "good",
        "thanks",
        "doc",
        "doctor",
        "dragon",
        "until",
        "before",
        "worse",
        "one",
        "eight",
        "blood",
        "anything",
        "document",
        "them",
        "dad",
        "mom",
        "you",
        "everyone",
        "guys",
        "again",
        "back",
        "sir",
        "maam",
        "ma'am",
        "buddy",
        "man",
    ]
)


def names_said(segments) -> frozenset[str]:
    """Who the clinician greets by name ("hi russell", "mrs. cooper"): the words that,
    said to someone, are not for the record."""
    out = set()
    for segment in segments:
        for match in _GREETED.finditer(segment.text.lower()):
            name = match.group(1)
            if name not in NOT_NAMES and name not in DISCOURSE:
                out.add(name)
    return frozenset(out)
