"""The engine interface and the choice of engine (TRANSCRIPTION_ENGINE)."""

import abc
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

BYTES_PER_SECOND = 32000  # 16 kHz, 16-bit mono


class EngineError(Exception):
    """The engine cannot go on; the message is safe to show the user."""


@dataclass(frozen=True, slots=True)
class Result:
    text: str
    is_final: bool
    start_ms: int = 0
    end_ms: int = 0
    speaker: int | None = None
    confidence: float | None = None


ResultCallback = Callable[[Result], Awaitable[None]]
FailureCallback = Callable[[EngineError], Awaitable[None]]


class Engine(abc.ABC):
    name: str = ""

    def __init__(self) -> None:
        self.on_result: ResultCallback | None = None
        self.on_failure: FailureCallback | None = None
        self.offset_ms = 0

    @abc.abstractmethod
    async def start(
        self,
        *,
        sample_rate: int,
        language: str,
        on_result: ResultCallback,
        on_failure: FailureCallback | None = None,
        offset_ms: int = 0,
        keyterms: Sequence[str] | None = None,
    ) -> None:
        """Open the engine; `offset_ms` shifts result times (a resumed session);
        `keyterms` is vocabulary to favour (engines that take prompts use it)."""

    @abc.abstractmethod
    async def send_audio(self, pcm: bytes) -> None: ...

    async def pause(self) -> None:
        """Audio stops arriving for a while; keep the engine open."""
        return None

    async def resume(self) -> None:
        """Audio arrives again."""
        return None

    @abc.abstractmethod
    async def finish(self) -> None:
        """Deliver every final result still pending, then close."""

    @abc.abstractmethod
    async def abort(self) -> None:
        """Close at once (the client went away)."""


def engine_name() -> str:
    """The engine TRANSCRIPTION_ENGINE chooses (`auto`: Deepgram when keyed)."""
    choice = settings.TRANSCRIPTION_ENGINE
    if choice == "auto":
        return "deepgram" if settings.DEEPGRAM_API_KEY else "offline"
    return choice


def engine_for(name: str) -> Engine:
    if name == "deepgram":
        from transcription.engines.deepgram import DeepgramEngine

        return DeepgramEngine()
    if name == "offline":
        from transcription.engines.offline import OfflineEngine

        return OfflineEngine()
    if name in settings.TRANSCRIPTION_ENGINE_CLASSES:  # a benchmark's or a test's
        return import_string(settings.TRANSCRIPTION_ENGINE_CLASSES[name])()
    raise EngineError(f"Unknown transcription engine {name!r}")
