"""Note generation engines behind one interface, chosen by NOTE_ENGINE.

`anthropic`: Claude through the SDK's streaming Messages API. `offline` (the embedded
default when no ANTHROPIC_API_KEY is set): a deterministic clinical drafter that
writes cited third-person statements under the template's sections. Both yield the events of `base.py`.
"""

from django.conf import settings

from templates_app.generation.base import (
    DraftAccumulator,
    DraftEvent,
    DraftRequest,
    GenerationError,
    NoteEngine,
    SectionFinished,
    SectionSpec,
    SectionStarted,
    Segment,
    TextDelta,
    Usage,
)

__all__ = [
    "DraftAccumulator",
    "DraftEvent",
    "DraftRequest",
    "GenerationError",
    "NoteEngine",
    "SectionFinished",
    "SectionSpec",
    "SectionStarted",
    "Segment",
    "TextDelta",
    "Usage",
    "engine_name",
    "get_engine",
]


def engine_name() -> str:
    """`anthropic` or `offline`: NOTE_ENGINE, where `auto` means 'Claude if a key is set'."""
    choice = settings.NOTE_ENGINE
    if choice == "auto":
        return "anthropic" if settings.ANTHROPIC_API_KEY else "offline"
    return choice


def get_engine() -> NoteEngine:
    if engine_name() == "anthropic":
        from templates_app.generation.anthropic_engine import AnthropicEngine

        return AnthropicEngine()
    from templates_app.generation.offline import OfflineEngine

    return OfflineEngine()
