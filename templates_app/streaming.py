"""A note's generation as server-sent events, written to the page as it is drafted.

`note_generation_events` is an async generator, so Django streams it through daphne
chunk by chunk (a sync iterator would be buffered whole under ASGI). It saves each
section as it finishes and, whatever happens (an engine error, the reader leaving),
keeps what was drafted and frees the note.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async

from templates_app.generation import (
    DraftAccumulator,
    GenerationError,
    NoteEngine,
    SectionFinished,
    SectionStarted,
    TextDelta,
    get_engine,
)
from templates_app.selectors import note_review_state
from templates_app.services import (
    GenerationJob,
    note_generation_checkpoint,
    note_generation_finish,
)

logger = logging.getLogger(__name__)

SSE_HEADERS = {
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",  # tell nginx-like proxies not to buffer the stream
}


def sse(event: str, data: dict) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


async def note_generation_events(
    job: GenerationJob, engine: NoteEngine | None = None
) -> AsyncIterator[bytes]:
    """`start`, then per section `section`, `delta`..., `section_done`; then
    `error` (with what was kept) if the engine stopped, and `done` (with the
    revision an edit names next, and how many statements the verifier flagged)."""
    engine = engine or get_engine()
    titles = {spec.key: spec.title for spec in job.request.sections}
    draft = DraftAccumulator()
    error: GenerationError | None = None
    finished = False
    yield sse(
        "start",
        {
            "note": job.note_id,
            "engine": engine.name,
            "model": engine.model,
            "sections": [spec.key for spec in job.request.wanted],
        },
    )
    try:
        async for event in engine.stream(job.request):
            draft.add(event)
            if isinstance(event, SectionStarted):
                yield sse("section", {"key": event.key, "title": titles.get(event.key)})
            elif isinstance(event, TextDelta):
                yield sse("delta", {"key": event.key, "text": event.text})
            elif isinstance(event, SectionFinished):
                await sync_to_async(note_generation_checkpoint)(
                    job=job, sections=dict(draft.sections)
                )
                yield sse(
                    "section_done",
                    {"key": event.key, "text": draft.sections.get(event.key, "")},
                )
    except GenerationError as exc:
        error = exc
    except Exception:
        logger.exception("note engine failed", extra={"note_id": job.note_id})
        error = GenerationError(
            "The note engine failed. What was drafted so far is kept; try again.",
            retryable=True,
        )
    finally:
        if error is None and not _complete(job, draft):
            error = GenerationError(
                "The draft stopped before every section was written. What was "
                "drafted so far is kept; try again.",
                retryable=True,
            )
        note = await sync_to_async(note_generation_finish)(
            job=job,
            sections=dict(draft.sections),
            usage=draft.usage,
            engine=engine.name,
            model=engine.model,
            error=error,
        )
        review = await sync_to_async(note_review_state)(note=note)
        finished = True
    if error is not None:
        yield sse(
            "error",
            {
                "message": error.message,
                "retryable": error.retryable,
                "kept": sorted(k for k, v in draft.sections.items() if v.strip()),
            },
        )
    if finished:
        yield sse(
            "done",
            {
                "generation": note.generation,
                "input_tokens": note.input_tokens,
                "output_tokens": note.output_tokens,
                "revision": review["revision"],
                "open_flags": review["open_flags"],
            },
        )


def _complete(job: GenerationJob, draft: DraftAccumulator) -> bool:
    return all(spec.key in draft.finished for spec in job.request.wanted)
