"""Claude through the Anthropic SDK's streaming Messages API, with tool use.

The clinical style guide and the template are the system prompt, cached
(cache_control on its last block, so the tool, the guide and the template are one
cached prefix reused by every note drafted from that template); the transcript goes
in the user turn, one line per segment with its number and speaker. Claude must call
the `write_note` tool, whose input is the note's JSON (structured.py): statements
with the segments they rest on. Its `input_json_delta` events are parsed as they
stream, so each statement reaches the page when it is complete.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import AsyncIterator

import anthropic
import certifi
from django.conf import settings

from templates_app.generation.base import (
    DraftEvent,
    DraftRequest,
    GenerationError,
    Usage,
)
from templates_app.generation.structured import (
    STYLE_GUIDE,
    TOOL_NAME,
    ClientEngine,
    StatementParser,
    note_schema,
    template_prompt,
    transcript_prompt,
)

RETRYABLE_TYPES = {"overloaded_error", "rate_limit_error", "api_error", "timeout_error"}


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


class AnthropicEngine(ClientEngine):
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
            "tools": [
                {
                    "name": TOOL_NAME,
                    "description": "Write the clinical note: per section, its "
                    "statements, each with the transcript segments it rests on.",
                    "input_schema": note_schema(
                        tuple(spec.key for spec in request.sections)
                    ),
                }
            ],
            "tool_choice": {"type": "tool", "name": TOOL_NAME},
            "system": [
                {"type": "text", "text": STYLE_GUIDE},
                {
                    "type": "text",
                    "text": template_prompt(request),
                    "cache_control": {"type": "ephemeral"},
                },
            ],
            "messages": [{"role": "user", "content": transcript_prompt(request)}],
        }

    async def _stream(self, request: DraftRequest) -> AsyncIterator[DraftEvent]:
        parser = StatementParser(tuple(spec.key for spec in request.wanted))
        usage, stop_reason = Usage(), None
        try:
            async with self.client.messages.stream(
                **self.message_params(request)
            ) as stream:
                async for event in stream:
                    if event.type == "message_start":
                        usage = Usage(input_tokens=event.message.usage.input_tokens)
                    elif event.type == "content_block_delta" and (
                        event.delta.type == "input_json_delta"
                    ):
                        for parsed in parser.feed(event.delta.partial_json):
                            yield parsed
                    elif event.type == "message_delta":
                        stop_reason = event.delta.stop_reason or stop_reason
                        if event.usage:
                            usage = Usage(
                                input_tokens=usage.input_tokens,
                                output_tokens=event.usage.output_tokens,
                            )
        except anthropic.APIError as exc:
            for parsed in parser.close(truncated=True):
                yield parsed
            yield usage
            raise error_message(exc) from exc
        for parsed in parser.close(truncated=stop_reason in (None, "max_tokens")):
            yield parsed
        yield usage
        if stop_reason is None:
            raise GenerationError(
                "Claude's answer ended early. What was drafted so far is kept; "
                "try again.",
                retryable=True,
            )
        if stop_reason == "max_tokens":
            raise GenerationError(
                "The draft reached the output limit (ANTHROPIC_MAX_TOKENS) before "
                "every section was written. What was drafted so far is kept."
            )
