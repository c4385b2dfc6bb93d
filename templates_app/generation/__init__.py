"""Note generation engines behind one interface, chosen by NOTE_ENGINE.

`anthropic`: Claude through the SDK's streaming Messages API (tool use). `openai`: a
model on the hospital's own OpenAI-compatible server (Chat Completions, JSON schema).
`offline` (the embedded default when no ANTHROPIC_API_KEY is set): a deterministic
clinical drafter that writes cited third-person statements under the template's
sections. All yield the events of `base.py`; `verify.py` checks what each wrote.
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
    """`anthropic`, `openai` or `offline`: NOTE_ENGINE, where `auto` means 'Claude if
    a key is set, else offline'."""
    choice = settings.NOTE_ENGINE
    if choice == "auto":
        return "anthropic" if settings.ANTHROPIC_API_KEY else "offline"
    return choice


def get_engine() -> NoteEngine:
    if engine_name() == "anthropic":
        from templates_app.generation.anthropic_engine import AnthropicEngine

        return AnthropicEngine()
    if engine_name() == "openai":
        from templates_app.generation.openai_engine import OpenAIEngine

        return OpenAIEngine()
    from templates_app.generation.offline import OfflineEngine

    return OfflineEngine()
