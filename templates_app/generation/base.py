"""The one interface every note engine speaks, and the events it streams."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Segment:
    """One numbered piece of the transcript, as the engine sees it."""

    seq: int
    text: str
    start_ms: int = 0
    end_ms: int = 0
    speaker: int | None = None
    # The role the clinician named for the speaker: clinician, patient, family,
    # interpreter or other (transcription.models.SpeakerRole); None when unnamed.
    speaker_role: str | None = None


@dataclass(frozen=True, slots=True)
class SectionSpec:
    key: str
    title: str
    instructions: str = ""


@dataclass(frozen=True, slots=True)
class DraftRequest:
    """What to draft: the template's sections, the transcript, and which keys."""

    template_name: str
    template_instructions: str
    sections: tuple[SectionSpec, ...]
    segments: tuple[Segment, ...]
    only: tuple[str, ...] = ()

    @property
    def wanted(self) -> tuple[SectionSpec, ...]:
        if not self.only:
            return self.sections
        return tuple(s for s in self.sections if s.key in self.only)


@dataclass(frozen=True, slots=True)
class SectionStarted:
    key: str


@dataclass(frozen=True, slots=True)
class TextDelta:
    key: str
    text: str


@dataclass(frozen=True, slots=True)
class SectionFinished:
    key: str


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0


DraftEvent = SectionStarted | TextDelta | SectionFinished | Usage


class GenerationError(Exception):
    """The engine stopped; `message` is safe to show, `retryable` says try again."""

    def __init__(self, message: str, *, retryable: bool = False):
        super().__init__(message)
        self.message = message
        self.retryable = retryable


@dataclass
class DraftAccumulator:
    """Collects streamed events into the sections' text."""

    sections: dict[str, str] = field(default_factory=dict)
    finished: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)

    def add(self, event: DraftEvent) -> None:
        if isinstance(event, SectionStarted):
            self.sections[event.key] = ""
        elif isinstance(event, TextDelta):
            self.sections[event.key] = self.sections.get(event.key, "") + event.text
        elif isinstance(event, SectionFinished):
            self.sections[event.key] = self.sections.get(event.key, "").strip()
            self.finished.append(event.key)
        elif isinstance(event, Usage):
            self.usage = event


class NoteEngine(Protocol):
    """Drafts a note's sections from a transcript, streaming as it writes."""

    name: str
    model: str

    def stream(self, request: DraftRequest) -> AsyncIterator[DraftEvent]:
        """Yield SectionStarted, TextDelta..., SectionFinished per section, in the
        template's order, then one Usage; raise GenerationError on failure."""
        ...
