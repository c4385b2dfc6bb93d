"""Every statement of a draft checked against the transcript segments it cites.

A statement is the text up to its citation (`[S12]`); text with no citation after it
is a statement too. Each is checked against the words of the segments it cites:

- `uncited`: no citation at all; `missing_segment`: a cited segment does not exist;
- `number`: a number (dose, vital, duration; digits or words) its segments lack;
- `drug`: a drug (recognised by `drug-named-entity-recognition`, brand and generic
  names folded to one) its segments do not name;
- `laterality`: left, right or bilateral, where its segments do not say that side;
- `side_conflict`: a paired part put on one side here and on the other elsewhere in
  the note ("Right knee: no effusion." under the exam of a note whose complaint and
  assessment are the left knee, as the clinician said it): the fewer statements are
  flagged, both when even (a note-wide check, `side_conflicts`);
- `negation`: negated in the statement ("Denies fever") where the segments only
  affirm it, or affirmed where every mention in the segments is negated (NegEx
  cues from negspacy's clinical termset; a question answered "no" negates it, and
  "no vomiting" answering "any vomiting or diarrhea?" negates the vomiting alone);
  or a thing denied ("Denies vomiting or diarrhea") that its cited segments, or the
  NEARBY segments around them, say plainly ("she had diarrhea twice yesterday");
- `weak_support`: fewer than SUPPORT_THRESHOLD of the statement's content words
  (lower case, crude suffix stem, scribe words such as "patient" or "reports"
  left out) occur in its segments;
- `placement`: in a section its cited words do not support (an allergen as a
  medicine, a drug started today under Medications, a plan item under a history
  section, a finding under Allergies, or two learned classifiers reading it as
  another part of the visit: verify_placement.py);
- `diagnosis`: a diagnosis its cited words do not name (verify_meaning.py);
- `doubtful_word`: a number or drug resting on a word speech heard doubtfully or
  corrected, or a word that sounds like a misheard drug name (doubt.py).

Words are compared as verify_words.py reads them; negation as verify_negation.py
does.

Pure functions over text: no database, no Django.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from templates_app.generation.citations import CITATION, citation_seqs
from templates_app.generation.verify_meaning import diagnosis_problem
from templates_app.generation.verify_negation import (  # noqa: F401  (the verifier's API)
    negation_problem,
    negation_scopes,
    polarity,
)
from templates_app.generation.verify_placement import placement_problem
from templates_app.generation.verify_words import (  # noqa: F401  (the verifier's API)
    OPPOSITE,
    STOPWORDS,
    content_words,
    drugs,
    number_text,
    numbers,
    same_dates,
    side_parts,
    sides,
    stem,
    swapped_sides,
    words,
)

_number = number_text  # the name bench/ and offline/reference.py use
SUPPORT_THRESHOLD = 0.3
MIN_CONTENT_WORDS = 2
CITED_WORDS_MAX = 600
NEARBY = 2  # segments each side of the cited ones read for a contradicted denial
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
    "doubtful_word": "Heard with low confidence",
    "side_conflict": "Side differs within the note",
}
# What the page says was checked, in the order of the checks.
CHECKED = (
    "citations, numbers, drugs, sides, negation, support, placement in its section, "
    "diagnoses named, doubtful speech (a drug name that sounds misheard, a word "
    "heard with low confidence) and sides that differ within the note"
)


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
    from templates_app.generation.doubt import doubt_flags

    # The segment after the last cited one answers a question the citation ends on.
    answer = segments.get(max(statement.seqs) + 1, "")
    # ...and the words just around them: a denial they contradict is flagged.
    first, last = min(statement.seqs), max(statement.seqs)
    nearby = [
        segments[seq]
        for seq in (*range(first - NEARBY, first), *range(last + 2, last + 2 + NEARBY))
        if seq in segments
    ]
    found = _checks(statement.text, cited, cited_texts, answer, nearby)
    problem = placement_problem(statement.section, statement.text, cited)
    found += [("placement", problem)] if problem else []
    problem = diagnosis_problem(statement.text, cited)
    found += [("diagnosis", problem)] if problem else []
    found += doubt_flags(
        statement.text, {s: segments[s] for s in statement.seqs if s in segments}
    )
    return flags + [flag(kind, message, cited) for kind, message in found]


def _checks(
    text: str,
    cited: str,
    cited_texts: list[str],
    answer: str = "",
    nearby: list[str] | tuple[str, ...] = (),
) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    extra_numbers = (
        numbers(text) - numbers(cited, spoken=True) - same_dates(text, cited)
    )
    if extra_numbers:
        shown = ", ".join(number_text(n) for n in sorted(extra_numbers))
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
    for side in sorted(swapped_sides(text, cited) - extra_sides):
        found.append(
            (
                "laterality",
                f"{side}: the cited segments say this of the {OPPOSITE[side]} side.",
            )
        )
    problem = negation_problem(text, cited_texts, answer, nearby)
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
    theirs = content_words(cited) | {
        number_text(n) for n in numbers(cited, spoken=True)
    }
    return len(mine & theirs) / len(mine)


def verify_sections(
    sections: Mapping[str, str],
    segments: Mapping[int, str],
    *,
    note: Mapping[str, str] | None = None,
) -> list[Flag]:
    """Every flag of every statement of these sections, in order. `note`: the whole
    note's sections, when `sections` are some of them (a side is compared across
    the note; only these sections' statements are flagged)."""
    flags: list[Flag] = []
    for key, text in sections.items():
        for statement in statements(key, text or ""):
            flags += verify_statement(statement, segments)
    whole = [
        statement
        for key, text in (sections if note is None else note).items()
        for statement in statements(key, text or "")
    ]
    return flags + side_conflicts(whole, set(sections), segments)


def side_conflicts(
    whole: list[Statement], keys: set[str], segments: Mapping[int, str]
) -> list[Flag]:
    """A paired part on one side in some statements of the note and on the other in
    others: the side fewer statements give is flagged (both, when as many give
    each), unless the statement itself names both."""
    on: dict[str, dict[str, list[Statement]]] = {}
    for statement in whole:
        for side, part in side_parts(statement.text):
            on.setdefault(part, {}).setdefault(side, []).append(statement)
    flags = []
    for part, by_side in on.items():
        if len(by_side) < 2:
            continue
        for side, other in (("left", "right"), ("right", "left")):
            if len(by_side[side]) > len(by_side[other]):
                continue
            for statement in by_side[side]:
                if statement.section not in keys or statement in by_side[other]:
                    continue
                n = len(by_side[other])
                cited = " ".join(segments.get(seq, "") for seq in statement.seqs)
                flags.append(
                    Flag(
                        statement.section,
                        statement.index,
                        statement.text,
                        "side_conflict",
                        f"{side.capitalize()} {part} here, {other} {part} in {n} other "
                        f"statement{'s' if n > 1 else ''} of the note: check the side.",
                        statement.seqs,
                        cited[:CITED_WORDS_MAX],
                    )
                )
    return flags
