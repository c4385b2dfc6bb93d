"""Claude through the Anthropic SDK's streaming Messages API.

The template is sent as a cached system prompt (cache_control) so every note drafted
from the same template reuses it; the transcript goes in the user turn, one line per
segment with its number. The model writes `## <section key>` before each section;
the parser turns its text deltas into section events as they arrive.
"""

from __future__ import annotations

import functools
import re
import ssl
from collections.abc import AsyncIterator

import anthropic
import certifi
from django.conf import settings

from templates_app.generation.base import (
    DraftEvent,
    DraftRequest,
    GenerationError,
    SectionFinished,
    SectionStarted,
    TextDelta,
    Usage,
)

RULES = """You are a clinical scribe. You draft a note that a physician will review, \
correct and sign; it becomes part of the medical record.

Rules:
- Use only what is said in the transcript. Never add findings, doses, results or \
diagnoses that were not said.
- End every statement with the numbers of the transcript segments it comes from, in \
square brackets: [S12] or [S3, S7]. Cite only segments that say it.
- If the transcript says nothing for a section, write exactly: Not discussed.
- Write for a busy clinician: short, plain statements; standard clinical \
abbreviations only.
- Output format: for each section asked for, in the order given, a line `## ` \
followed by the section key, then the section's text. Nothing before the first \
heading and nothing after the last section."""

_HEADING = re.compile(r"^#{1,3}\s*([A-Za-z0-9_-]+)\s*:?\s*$")
RETRYABLE_TYPES = {"overloaded_error", "rate_limit_error", "api_error", "timeout_error"}


def template_prompt(request: DraftRequest) -> str:
    """The template as the cached system block: instructions, then each section."""
    lines = [f"Template: {request.template_name}"]
    if request.template_instructions:
        lines += ["", request.template_instructions.strip()]
    lines += ["", "Sections (key: title, then what belongs there):"]
    for spec in request.sections:
        lines.append(f"## {spec.key}: {spec.title}")
        if spec.instructions:
            lines.append(spec.instructions.strip())
    return "\n".join(lines)


def format_time(ms: int) -> str:
    seconds = ms // 1000
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def transcript_prompt(request: DraftRequest) -> str:
    """The user turn: the numbered transcript and which sections to write."""
    lines = ["Transcript of the encounter (segment, time, speaker, words):"]
    for segment in request.segments:
        speaker = "" if segment.speaker is None else f" speaker {segment.speaker}"
        lines.append(
            f"[S{segment.seq}] {format_time(segment.start_ms)}{speaker}: {segment.text}"
        )
    keys = ", ".join(spec.key for spec in request.wanted)
    lines += ["", f"Write these sections, in this order: {keys}."]
    return "\n".join(lines)


class SectionParser:
    """Turns the model's streamed text into section events.

    A line is held back only while it could still be a `## key` heading; any other
    text is passed on as soon as it arrives.
    """

    def __init__(self, keys: tuple[str, ...]):
        self.keys = set(keys)
        self.current: str | None = None
        self.line = ""
        self.holding = True  # at the start of a line, until it cannot be a heading

    def feed(self, text: str) -> list[DraftEvent]:
        events: list[DraftEvent] = []
        for piece in re.split(r"(\n)", text):
            if piece == "\n":
                events += self._end_line()
            elif piece and self.holding:
                self.line += piece
                if not self._may_be_heading(self.line):
                    events += self._emit(self.line)
                    self.line, self.holding = "", False
            elif piece:
                events += self._emit(piece)
        return events

    def close(self) -> list[DraftEvent]:
        events = self._heading_or_text(self.line, newline="") if self.holding else []
        self.line, self.holding = "", True
        if self.current is not None:
            events.append(SectionFinished(self.current))
            self.current = None
        return events

    @staticmethod
    def _may_be_heading(line: str) -> bool:
        stripped = line.lstrip()
        return not stripped or stripped.startswith("#")

    def _end_line(self) -> list[DraftEvent]:
        if self.holding:
            events = self._heading_or_text(self.line, newline="\n")
        else:
            events = self._emit("\n")
        self.line, self.holding = "", True
        return events

    def _heading_or_text(self, line: str, *, newline: str) -> list[DraftEvent]:
        match = _HEADING.match(line.strip())
        if match and match.group(1).lower() in self.keys:
            events: list[DraftEvent] = []
            if self.current is not None:
                events.append(SectionFinished(self.current))
            self.current = match.group(1).lower()
            events.append(SectionStarted(self.current))
            return events
        if not line and not newline:
            return []
        return self._emit(line + newline)

    def _emit(self, text: str) -> list[DraftEvent]:
        if self.current is None:
            return []  # text before the first heading belongs to no section
        return [TextDelta(self.current, text)]


def _busy(what: str) -> GenerationError:
    return GenerationError(
        f"Claude is {what} right now. What was drafted so far is kept; "
        "try again in a minute.",
        retryable=True,
    )


def error_message(exc: Exception) -> GenerationError:
    """A clear, safe message for the page; never the raw provider error."""
    if isinstance(exc, anthropic.APIStatusError):
        kind = ""
        if isinstance(exc.body, dict):
            kind = str((exc.body.get("error") or {}).get("type", ""))
        if exc.status_code == 429 or kind == "rate_limit_error":
            return _busy("rate-limiting this account")
        if exc.status_code == 529 or kind == "overloaded_error":
            return _busy("overloaded")
        if exc.status_code >= 500 or kind in RETRYABLE_TYPES:
            return GenerationError(
                "Claude stopped with a server error. What was drafted so far is "
                "kept; try again.",
                retryable=True,
            )
        if exc.status_code in (401, 403):
            return GenerationError(
                "The note engine's API key was refused; tell your administrator."
            )
        return GenerationError("Claude refused the request; tell your administrator.")
    if isinstance(exc, anthropic.APITimeoutError):
        return GenerationError(
            "Claude did not answer in time. What was drafted so far is kept; "
            "try again.",
            retryable=True,
        )
    if isinstance(exc, anthropic.APIConnectionError):
        return GenerationError(
            "Claude could not be reached. What was drafted so far is kept; try again.",
            retryable=True,
        )
    return GenerationError("The note engine failed.", retryable=True)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Loading the CA bundle takes 50-200 ms: once per process, not per note."""
    return ssl.create_default_context(cafile=certifi.where())


class AnthropicEngine:
    name = "anthropic"

    def __init__(self, *, model: str | None = None, client=None):
        self.model = model or settings.ANTHROPIC_MODEL
        self._owns_client = client is None
        self.client = client or anthropic.AsyncAnthropic(
            api_key=settings.ANTHROPIC_API_KEY or None,
            base_url=settings.ANTHROPIC_BASE_URL or None,
            timeout=anthropic.Timeout(
                settings.ANTHROPIC_TIMEOUT, connect=settings.ANTHROPIC_CONNECT_TIMEOUT
            ),
            max_retries=settings.ANTHROPIC_MAX_RETRIES,
            http_client=anthropic.DefaultAsyncHttpxClient(verify=_tls_context()),
        )

    def message_params(self, request: DraftRequest) -> dict:
        return {
            "model": self.model,
            "max_tokens": settings.ANTHROPIC_MAX_TOKENS,
            "system": [
                {"type": "text", "text": RULES},
                {
                    "type": "text",
                    "text": template_prompt(request),
                    "cache_control": {"type": "ephemeral"},
                },
            ],
            "messages": [{"role": "user", "content": transcript_prompt(request)}],
        }

    async def stream(self, request: DraftRequest) -> AsyncIterator[DraftEvent]:
        try:
            async for event in self._stream(request):
                yield event
        finally:
            if self._owns_client:
                await self.client.close()

    async def _stream(self, request: DraftRequest) -> AsyncIterator[DraftEvent]:
        parser = SectionParser(tuple(spec.key for spec in request.wanted))
        usage = Usage()
        try:
            async with self.client.messages.stream(
                **self.message_params(request)
            ) as stream:
                async for event in stream:
                    if event.type == "message_start":
                        usage = Usage(input_tokens=event.message.usage.input_tokens)
                    elif event.type == "content_block_delta" and (
                        event.delta.type == "text_delta"
                    ):
                        for parsed in parser.feed(event.delta.text):
                            yield parsed
                    elif event.type == "message_delta" and event.usage:
                        usage = Usage(
                            input_tokens=usage.input_tokens,
                            output_tokens=event.usage.output_tokens,
                        )
        except anthropic.APIError as exc:
            for parsed in parser.close():
                yield parsed
            yield usage
            raise error_message(exc) from exc
        for parsed in parser.close():
            yield parsed
        yield usage
