"""Citations of transcript segments in note text: `[S12]`, `[S3, S7]`, `[S4-S6]`."""

import re

CITATION = re.compile(r"\[(S\d+(?:\s*(?:,|-|–)\s*S?\d+)*)\]")
_PART = re.compile(r"S?(\d+)(?:\s*(?:-|–)\s*S?(\d+))?")
MAX_RANGE = 50


def citation_seqs(inner: str) -> list[int]:
    """The segment numbers inside one citation's brackets, ranges expanded."""
    seqs: list[int] = []
    for part in inner.split(","):
        match = _PART.fullmatch(part.strip())
        if not match:
            continue
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if last < first or last - first > MAX_RANGE:
            last = first
        seqs.extend(range(first, last + 1))
    return seqs


def cited_seqs(text: str) -> set[int]:
    """Every segment number cited anywhere in `text`."""
    return {seq for m in CITATION.finditer(text) for seq in citation_seqs(m.group(1))}


def split_citations(text: str, known: set[int]) -> list[dict]:
    """Split text into parts: plain text, and citations marked valid or not."""
    parts: list[dict] = []
    last = 0
    for match in CITATION.finditer(text):
        if match.start() > last:
            parts.append({"text": text[last : match.start()]})
        seqs = citation_seqs(match.group(1))
        parts.append(
            {
                "citation": match.group(0),
                "seqs": seqs,
                "valid": bool(seqs) and all(seq in known for seq in seqs),
            }
        )
        last = match.end()
    if last < len(text):
        parts.append({"text": text[last:]})
    return parts
