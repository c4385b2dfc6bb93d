"""Reading a transcript made elsewhere: plain text with speaker prefixes
(`Doctor: ...`, `[patient] ...`) or WebVTT (webvtt-py; voices from `<v Name>` or
the same prefixes). Plain text has no times, so its segments carry none (0 ms)."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from transcription.models import SpeakerRole

# An hour's encounter is about 60,000 characters in 1,000 lines; these allow a long
# day's clinic in one file and refuse, with a 422 before any parsing, what no
# encounter is (a megabyte of text parses in well under a second, on the request).
MAX_CHARACTERS = 1_000_000
MAX_LINES = 20_000
MAX_SEGMENTS = 5000
MAX_CUE_MS = 24 * 3_600_000  # no encounter lasts a day; the times are stored as int

# Speaker labels a prefix may carry, and the role each one implies.
ROLE_WORDS = {
    SpeakerRole.CLINICIAN: (
        "doctor dr clinician physician provider nurse np pa resident attending "
        "surgeon md"
    ),
    SpeakerRole.FAMILY: (
        "mother mom father dad parent wife husband son daughter family caregiver "
        "partner sister brother guardian"
    ),
    SpeakerRole.INTERPRETER: "interpreter translator",
}
NUMBERED = re.compile(r"^speaker\s*\d{1,2}$")
BRACKETED = re.compile(r"^\[([^\]\n]{1,40})\]\s*(.*)$", re.S)
COLON = re.compile(r"^([A-Za-z][A-Za-z0-9 .'’-]{0,39}?)\s*:\s*(.*)$", re.S)


@dataclass(frozen=True, slots=True)
class Line:
    speaker: str | None  # the label as written, normalised
    text: str
    start_ms: int = 0
    end_ms: int = 0


@dataclass(frozen=True, slots=True)
class Transcript:
    format: str  # "webvtt" or "text"
    lines: tuple[Line, ...]

    def speakers(self) -> dict[str, int]:
        """Each label's speaker number, in order of first appearance from 0."""
        numbers: dict[str, int] = {}
        for line in self.lines:
            if line.speaker is not None and line.speaker not in numbers:
                numbers[line.speaker] = len(numbers)
        return numbers

    def roles(self) -> dict[str, str]:
        """The role each label implies, by speaker number (labels such as
        'Speaker 2' imply none)."""
        roles = {}
        for label, number in self.speakers().items():
            role = role_of(label)
            if role is not None:
                roles[str(number)] = role
        return roles


def role_of(label: str) -> str | None:
    """The role a label names; "patient's mother" is family, not the patient."""
    words = set(re.findall(r"[a-z]+", label.lower()))
    for role in (SpeakerRole.INTERPRETER, SpeakerRole.FAMILY, SpeakerRole.CLINICIAN):
        if words & set(ROLE_WORDS[role].split()):
            return role.value
    return SpeakerRole.PATIENT.value if words & {"patient", "pt"} else None


def speaker_prefix(line: str) -> tuple[str | None, str]:
    """`(label, rest)` when the line opens with a speaker's label, else `(None, line)`."""
    match = BRACKETED.match(line)
    if match:
        return _label(match.group(1)), match.group(2).strip()
    match = COLON.match(line)
    if match:
        label = _label(match.group(1))
        if role_of(label) is not None or NUMBERED.match(label):
            return label, match.group(2).strip()
    return None, line


def _label(raw: str) -> str:
    return " ".join(raw.lower().replace("’", "'").split())


def parse_transcript(text: str) -> Transcript:
    """The transcript's lines; ValidationError when there is nothing to import."""
    if len(text) > MAX_CHARACTERS:
        raise ValidationError(
            {
                "transcript": [
                    f"The transcript is longer than {MAX_CHARACTERS:,} characters."
                ]
            }
        )
    if "\x00" in text:
        raise ValidationError(
            {"transcript": ["The transcript holds a NUL byte; it is not text."]}
        )
    if text.count("\n") >= MAX_LINES:
        raise ValidationError(
            {"transcript": [f"The transcript has more than {MAX_LINES:,} lines."]}
        )
    text = text.lstrip("\ufeff")
    if text.lstrip().startswith("WEBVTT"):
        transcript = Transcript("webvtt", tuple(_webvtt_lines(text)))
    else:
        transcript = Transcript("text", tuple(_text_lines(text)))
    if not transcript.lines:
        raise ValidationError({"transcript": ["The transcript has no text."]})
    if len(transcript.lines) > MAX_SEGMENTS:
        raise ValidationError(
            {"transcript": [f"The transcript has more than {MAX_SEGMENTS} lines."]}
        )
    return transcript


def _text_lines(text: str) -> list[Line]:
    """A line with a speaker prefix starts a segment; lines after it continue it.
    Linear in the text: a segment's words are collected, then joined once."""
    segments: list[tuple[str | None, list[str]]] = []
    for raw in text.splitlines():
        raw = raw.strip()
        if not raw:
            continue
        speaker, words = speaker_prefix(raw)
        if speaker is None and segments:
            segments[-1][1].append(words)
        else:
            segments.append((speaker, [words] if words else []))
    lines = (Line(speaker, " ".join(parts)) for speaker, parts in segments)
    return [line for line in lines if line.text]


def _webvtt_lines(text: str) -> list[Line]:
    import webvtt

    try:
        captions = list(webvtt.from_string(text))
    except Exception:  # the parser's errors and its surprises on odd input alike
        raise ValidationError(
            {"transcript": ["This WebVTT file cannot be read."]}
        ) from None
    lines = []
    for caption in captions:
        if caption.end_time.in_milliseconds() > MAX_CUE_MS:
            raise ValidationError(
                {"transcript": [f"A cue ends after {MAX_CUE_MS // 3_600_000} hours."]}
            )
        words = " ".join(caption.text.split())
        speaker = _label(caption.voice) if caption.voice else None
        if speaker is None:
            speaker, words = speaker_prefix(words)
        if words:
            lines.append(
                Line(
                    speaker,
                    words,
                    caption.start_time.in_milliseconds(),
                    caption.end_time.in_milliseconds(),
                )
            )
    return lines
