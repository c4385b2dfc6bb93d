"""A model on the hospital's own server, through the official `openai` SDK's Chat
Completions streaming: the protocol vLLM, Ollama, llama.cpp's llama-server and LM
Studio all speak (LLM_BASE_URL, LLM_MODEL, LLM_API_KEY).

Structured output is asked for with `response_format` `{"type": "json_schema"}`,
the note's schema (structured.py). Of the ways to get JSON from those servers it is
the most widely honoured: vLLM (guided decoding) and llama-server (schema turned
into a grammar) enforce it with no extra flags, LM Studio enforces it, and a server
that only knows JSON mode still answers JSON because the prompt describes the shape;
tool calls, by contrast, need `--jinja` on llama-server and tool-parser flags on
vLLM. Content deltas are parsed as they stream, so each statement reaches the page
when it is complete; every statement is then verified like any other engine's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import openai
from django.conf import settings

from templates_app.generation.base import (
    DraftEvent,
    DraftRequest,
    GenerationError,
    Usage,
)
from templates_app.generation.structured import (
    STYLE_GUIDE,
    ClientEngine,
    StatementParser,
    note_schema,
    template_prompt,
    transcript_prompt,
)


def error_message(exc: Exception) -> GenerationError:
    """A clear, safe message for the page; never the raw server error."""
    kept = " What was drafted so far is kept; try again."
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code in (429, 503):
            return GenerationError(
                "The on-site model server is busy right now." + kept, retryable=True
            )
        if exc.status_code >= 500:
            return GenerationError(
                "The on-site model server stopped with an error." + kept,
                retryable=True,
            )
        if exc.status_code in (401, 403):
            return GenerationError(
                "The on-site model server refused the key (LLM_API_KEY); tell your "
                "administrator."
            )
        if exc.status_code == 404:
            return GenerationError(
                "The on-site model server does not serve LLM_MODEL, or LLM_BASE_URL "
                "is wrong; tell your administrator."
            )
        return GenerationError(
            "The on-site model server refused the request; tell your administrator."
        )
    if isinstance(exc, openai.APITimeoutError):
        return GenerationError(
            "The on-site model server did not answer in time." + kept, retryable=True
        )
    if isinstance(exc, openai.APIConnectionError):
        return GenerationError(
            "The on-site model server could not be reached." + kept, retryable=True
        )
    return GenerationError("The note engine failed." + kept, retryable=True)


class OpenAIEngine(ClientEngine):
    name = "openai"

    def __init__(self, *, model: str | None = None, client=None):
        self.model = model or settings.LLM_MODEL or ""
        self._owns_client = client is None
        self.client = client or openai.AsyncOpenAI(
            base_url=settings.LLM_BASE_URL,
            # Most on-site servers want no key; the SDK insists on one.
            api_key=settings.LLM_API_KEY or "not-needed",
            timeout=openai.Timeout(settings.LLM_TIMEOUT, connect=5),
            max_retries=settings.LLM_MAX_RETRIES,
        )

    def completion_params(self, request: DraftRequest) -> dict:
        keys = tuple(spec.key for spec in request.sections)
        system = f"{STYLE_GUIDE}\n\n{template_prompt(request)}"
        return {
            "model": self.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": transcript_prompt(request)},
            ],
            "stream": True,
            "stream_options": {"include_usage": True},
            "temperature": 0,
            "max_tokens": settings.LLM_MAX_TOKENS,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "clinical_note", "schema": note_schema(keys)},
            },
        }

    async def _stream(self, request: DraftRequest) -> AsyncIterator[DraftEvent]:
        parser = StatementParser(tuple(spec.key for spec in request.wanted))
        usage, finish = Usage(), None
        try:
            chunks = await self.client.chat.completions.create(
                **self.completion_params(request)
            )
            async for chunk in chunks:
                if chunk.usage:
                    usage = Usage(
                        input_tokens=chunk.usage.prompt_tokens or 0,
                        output_tokens=chunk.usage.completion_tokens or 0,
                    )
                for choice in chunk.choices:
                    finish = choice.finish_reason or finish
                    if choice.delta and choice.delta.content:
                        for parsed in parser.feed(choice.delta.content):
                            yield parsed
        except openai.APIError as exc:
            for parsed in parser.close(truncated=True):
                yield parsed
            yield usage
            raise error_message(exc) from exc
        for parsed in parser.close(truncated=finish in (None, "length")):
            yield parsed
        yield usage
        if finish == "length":
            raise GenerationError(
                "The draft reached the output limit (LLM_MAX_TOKENS) before every "
                "section was written. What was drafted so far is kept."
            )
        if finish is None:  # the stream ended without saying it was done
            raise GenerationError(
                "The on-site model server stopped mid-answer. What was drafted so "
                "far is kept; try again.",
                retryable=True,
            )
