"""The embedded default engine: files each transcript sentence under its section.

Deterministic and local: each sentence of the transcript is scored against a small
clinical lexicon, filed under the template section that covers its category, and
cited with its segment number. A sentence with no clue follows the one before it
(an answer belongs where its question was filed).
"""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator, Iterable

from templates_app.generation.base import (
    DraftEvent,
    DraftRequest,
    SectionFinished,
    SectionSpec,
    SectionStarted,
    Segment,
    TextDelta,
    Usage,
)

# Category -> phrases (lower case, matched on word boundaries).
LEXICON: dict[str, tuple[str, ...]] = {
    "complaint": (
        "brings you in",
        "brought you in",
        "here today",
        "here for",
        "came in",
        "coming in",
        "main concern",
        "chief complaint",
        "complaining of",
        "what can i do for you",
        "reason for",
    ),
    "history": (
        "pain",
        "started",
        "began",
        "since",
        "ago",
        "days",
        "weeks",
        "worse",
        "better",
        "onset",
        "fever",
        "cough",
        "nausea",
        "vomiting",
        "dizzy",
        "headache",
        "short of breath",
        "shortness of breath",
        "tired",
        "hurts",
        "symptoms",
        "radiat",
        "sharp",
        "dull",
        "constant",
        "comes and goes",
        "episode",
        "swollen",
        "bleeding",
        "diarrhea",
        "chills",
        "yesterday",
        "last night",
        "this morning",
    ),
    "past_history": (
        "history of",
        "diagnosed",
        "surgery",
        "operation",
        "hospitalized",
        "medical history",
        "diabetes",
        "hypertension",
        "high blood pressure",
        "asthma",
        "copd",
        "heart attack",
        "stroke",
        "cancer",
        "had my",
    ),
    "medications": (
        "medication",
        "medications",
        "medicine",
        "medicines",
        "pills",
        "mg",
        "milligrams",
        "inhaler",
        "tablet",
        "metformin",
        "lisinopril",
        "aspirin",
        "ibuprofen",
        "tylenol",
        "acetaminophen",
        "insulin",
        "statin",
        "atorvastatin",
        "amlodipine",
        "sertraline",
        "currently taking",
        "i take",
        "you take",
    ),
    "allergies": ("allergic", "allergy", "allergies", "reaction to"),
    "social": (
        "smoke",
        "smoking",
        "smoker",
        "cigarette",
        "alcohol",
        "drink",
        "drinks",
        "beer",
        "wine",
        "work as",
        "works as",
        "job",
        "live with",
        "lives with",
        "live alone",
        "married",
        "exercise",
        "tobacco",
        "vape",
        "recreational",
        "drugs",
    ),
    "family": (
        "family history",
        "your family",
        "in the family",
        "mother",
        "father",
        "mom",
        "dad",
        "brother",
        "sister",
        "parents",
        "grandmother",
        "grandfather",
        "runs in the family",
    ),
    "review": ("denies", "any other", "anything else", "review of systems"),
    "exam": (
        "blood pressure is",
        "heart rate",
        "pulse",
        "temperature",
        "oxygen",
        "saturation",
        "exam",
        "examine",
        "listen to",
        "lungs",
        "heart sounds",
        "murmur",
        "tender",
        "tenderness",
        "abdomen",
        "breath sounds",
        "clear to",
        "auscultation",
        "palpat",
        "range of motion",
        "swelling",
        "vitals",
        "take a deep breath",
        "press here",
        "looks",
        "sounds",
    ),
    "results": (
        "lab",
        "labs",
        "x-ray",
        "xray",
        "ct scan",
        "mri",
        "ultrasound",
        "ecg",
        "ekg",
        "troponin",
        "blood work",
        "bloodwork",
        "results",
        "white count",
        "hemoglobin",
        "imaging",
        "culture",
        "a1c",
    ),
    "assessment": (
        "i think",
        "likely",
        "probably",
        "consistent with",
        "diagnosis",
        "differential",
        "suspect",
        "looks like",
        "impression",
        "could be",
        "rule out",
        "concerned about",
        "worried about",
        "reassuring",
        "unlikely",
    ),
    "plan": (
        "we will",
        "we'll",
        "i will",
        "i'll",
        "plan",
        "prescribe",
        "order",
        "refer",
        "referral",
        "schedule",
        "increase",
        "decrease",
        "stop taking",
        "continue",
        "start you",
        "going to start",
        "going to give",
        "next step",
        "keep using",
        "keep taking",
        "plenty of fluids",
        "make sure you",
    ),
    "followup": (
        "follow up",
        "follow-up",
        "come back",
        "see you in",
        "appointment",
        "recheck",
    ),
    "warnings": (
        "if you",
        "emergency",
        "call us",
        "call 911",
        "go to the er",
        "warning signs",
        "right away",
        "immediately",
    ),
    "disposition": (
        "admit",
        "admission",
        "discharge",
        "go home",
        "observation",
        "transfer",
        "send you home",
    ),
    "procedure": (
        "procedure",
        "consent form",
        "lidocaine",
        "numb",
        "incision",
        "suture",
        "sutures",
        "sterile",
        "needle",
        "dressing",
        "specimen",
    ),
    "complication": (
        "complication",
        "complications",
        "blood loss",
        "tolerated",
        "bleeding was",
    ),
    "course": (
        "during your stay",
        "hospital stay",
        "while you were here",
        "admitted",
        "course",
    ),
    "risk": (
        "suicid",
        "hurt yourself",
        "kill yourself",
        "end your life",
        "harm anyone",
        "harming",
        "safe at home",
        "safety",
        "weapons",
        "guns",
    ),
    "mental": (
        "mood",
        "sleep",
        "sleeping",
        "appetite",
        "hallucinat",
        "hearing voices",
        "anxious",
        "anxiety",
        "depressed",
        "depression",
        "therapy",
        "therapist",
        "panic",
        "hopeless",
        "interest",
        "concentrat",
    ),
}

# Which categories a section takes, decided by words in its key (first match wins).
# Which categories a section takes, decided by words in its key (first match wins).
# The first category listed is the section's own: it wins that category over any
# section that takes it only as an extra.
# fmt: off
SECTION_CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("subjective", ("history", "complaint", "past_history", "medications",
                    "allergies", "social", "family", "review", "mental", "risk")),
    ("objective", ("exam", "results")),
    ("assessment_plan", ("assessment", "plan", "followup", "disposition",
                         "warnings")),
    ("chief_complaint", ("complaint",)),
    ("reason", ("complaint",)),
    ("indication", ("complaint",)),
    ("interval", ("history", "review", "mental")),
    ("hpi", ("history", "review", "mental")),
    ("present_illness", ("history", "review", "mental")),
    ("psychiatric_history", ("past_history",)),
    ("past", ("past_history", "medications", "allergies")),
    ("medication", ("medications",)),
    ("medicines", ("medications",)),
    ("allerg", ("allergies",)),
    ("social", ("social",)),
    ("family", ("family",)),
    ("review", ("review",)),
    ("ros", ("review",)),
    ("mental_status", ("exam",)),
    ("exam", ("exam", "results")),
    ("vital", ("exam",)),
    ("result", ("results",)),
    ("data", ("results",)),
    ("found", ("assessment", "results", "exam")),
    ("findings", ("exam", "results")),
    ("assessment", ("assessment",)),
    ("impression", ("assessment",)),
    ("risk", ("risk",)),
    ("complication", ("complication",)),
    ("procedure", ("procedure", "complication")),
    ("course", ("course",)),
    ("disposition", ("disposition", "warnings")),
    ("follow", ("followup", "warnings")),
    ("warning", ("warnings",)),
    ("when_to", ("warnings",)),
    ("what_to_do", ("plan", "followup")),
    ("next_steps", ("plan", "followup")),
    ("plan", ("plan", "followup", "disposition", "warnings")),
)
# fmt: on

# A hit in a specific category outweighs generic symptom words; on equal scores the
# category listed first wins.
WEIGHTS = {
    "complaint": 3, "warnings": 2.5, "followup": 2.5, "plan": 2, "assessment": 2,
    "risk": 2.5, "complication": 2, "procedure": 1.5, "results": 1.5, "exam": 1.5,
    "allergies": 2, "family": 1.5, "social": 1.5, "past_history": 1.5,
    "course": 1.5, "disposition": 2, "medications": 1, "mental": 1, "review": 1,
    "history": 1,
}  # fmt: skip
PRIORITY = tuple(WEIGHTS)
ABBREVIATIONS = ("dr", "mr", "mrs", "ms", "st", "vs", "e.g", "i.e", "approx", "no")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
_TOKEN = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")


def _phrase_index() -> tuple[dict, dict]:
    single: dict[str, list[str]] = {}
    multi: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for category, phrases in LEXICON.items():
        for phrase in phrases:
            words = tuple(phrase.lower().split())
            if len(words) == 1:
                single.setdefault(words[0], []).append(category)
            else:
                multi.setdefault(words[0], []).append((words, category))
    return {k: tuple(v) for k, v in single.items()}, multi


# A phrase matches at a word start and its last word may be cut short ("radiat"
# matches "radiating", "drink" matches "drinking"). One-word phrases are looked up
# by the token's prefixes; longer ones by their first word.
_SINGLE, _MULTI = _phrase_index()


@functools.lru_cache(maxsize=8192)
def _word_categories(token: str) -> tuple[str, ...]:
    """Categories of the longest one-word phrase the token starts with."""
    for end in range(len(token), 0, -1):
        categories = _SINGLE.get(token[:end])
        if categories:
            return categories
    return ()


def sentences(text: str) -> list[str]:
    """Split a segment's text into sentences (never empty ones; "Dr. Patel" is one)."""
    out: list[str] = []
    for piece in SENTENCE_END.split(text.strip()):
        piece = piece.strip()
        if not piece:
            continue
        if out and out[-1].lower().rsplit(" ", 1)[-1].rstrip(".") in ABBREVIATIONS:
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def section_categories(spec: SectionSpec) -> tuple[str, ...]:
    key = spec.key.lower()
    for needle, categories in SECTION_CATEGORIES:
        if needle in key:
            return categories
    return ()


def classify(sentence: str) -> list[str]:
    """Categories the sentence matches, best first (ties broken by PRIORITY)."""
    hits: dict[str, int] = {}
    words = _TOKEN.findall(sentence.lower().replace("’", "'"))
    for start, word in enumerate(words):
        for category in _word_categories(word):
            hits[category] = hits.get(category, 0) + 1
        for phrase, category in _MULTI.get(word, ()):
            if _continues(words, start, phrase):
                hits[category] = hits.get(category, 0) + 1
    ranked = sorted(
        (-count * WEIGHTS[category], PRIORITY.index(category), category)
        for category, count in hits.items()
    )
    return [category for _, _, category in ranked]


def _continues(words: list[str], start: int, phrase: tuple[str, ...]) -> bool:
    end = start + len(phrase)
    if end > len(words):
        return False
    return tuple(words[start + 1 : end - 1]) == phrase[1:-1] and words[
        end - 1
    ].startswith(phrase[-1])


def file_sentences(
    sections: Iterable[SectionSpec], segments: Iterable[Segment]
) -> dict[str, list[str]]:
    """File every transcript sentence under exactly one section, with its citation."""
    sections = tuple(sections)
    if not sections:
        return {}
    owner: dict[str, str] = {}
    for spec in sections:  # a section's own category first...
        categories = section_categories(spec)
        if categories:
            owner.setdefault(categories[0], spec.key)
    for spec in sections:  # ...then the extras nobody owns
        for category in section_categories(spec)[1:]:
            owner.setdefault(category, spec.key)
    default = owner.get("history") or owner.get("complaint") or sections[0].key
    filed: dict[str, list[str]] = {spec.key: [] for spec in sections}
    current = default
    for segment in segments:
        for sentence in sentences(segment.text):
            current = next(
                (owner[c] for c in classify(sentence) if c in owner), current
            )
            filed[current].append(f"{sentence} [S{segment.seq}]")
    return filed


def draft_sections(request: DraftRequest) -> dict[str, str]:
    """The whole draft at once: {section key: text}, for the wanted sections."""
    filed = file_sentences(request.sections, request.segments)
    return {
        spec.key: "\n".join(filed.get(spec.key, [])) or "Not discussed."
        for spec in request.wanted
    }


class OfflineEngine:
    name = "offline"
    model = "offline-drafter-1"

    async def stream(self, request: DraftRequest) -> AsyncIterator[DraftEvent]:
        drafted = draft_sections(request)
        for key, text in drafted.items():
            yield SectionStarted(key)
            for number, line in enumerate(text.split("\n")):
                yield TextDelta(key, ("\n" if number else "") + line)
            yield SectionFinished(key)
        yield Usage(input_tokens=0, output_tokens=0)
