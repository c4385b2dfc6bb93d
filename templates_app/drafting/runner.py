"""The draft task's body: run the engine, store its events as they come, keep each
section on the note as it finishes, and stop on a cancel."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from asgiref.sync import sync_to_async
from django.db import InterfaceError, OperationalError, close_old_connections

from noumaris.common.db import pool_sweep
from templates_app.drafting.claim import (
    GenerationJob,
    note_generation_checkpoint,
    note_generation_finish,
)
from templates_app.drafting.jobs import (
    Events,
    draft_events_append,
    draft_job_finish,
    draft_job_start,
)
from templates_app.generation import (
    DraftAccumulator,
    GenerationError,
    NoteEngine,
    SectionFinished,
    SectionStarted,
    TextDelta,
    get_engine,
)
from templates_app.models import DraftJob

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 0.1  # the oldest a written delta waits before it is stored
CANCEL_POLL_SECONDS = 0.5  # the runner's look for a cancel (and the job's heartbeat)
BOOKKEEPING_RETRY_DELAYS = (0.5, 1.0, 2.0)  # the runner's writes, after a db error


class BookkeepingFailed(Exception):  # noqa: N818 - the name the task's failure shows
    """The runner's own writes kept failing: the database is away."""


def _bookkeeping(write, /, **kwargs):
    """One of the runner's own writes. After a database error (a blip that dropped
    the worker's connection) the broken connection is closed and the write tried
    again, BOOKKEEPING_RETRY_DELAYS apart; then BookkeepingFailed: the task fails
    at once (nothing more can be written), and the job, no longer beating, is
    freed by the reaper with the sections kept so far."""
    for delay in (*BOOKKEEPING_RETRY_DELAYS, None):
        try:
            return write(**kwargs)
        except (OperationalError, InterfaceError) as exc:
            if delay is None:
                raise BookkeepingFailed(f"{write.__name__}: {exc}") from exc
            logger.warning("draft bookkeeping: database error; trying again")
            close_old_connections()
            pool_sweep()  # the pool's other dead connections replaced at once
            time.sleep(delay)
    raise AssertionError("unreachable")


class _Stop(Exception):  # noqa: N818 - control flow inside the runner only
    def __init__(self, state: str):
        self.state = state


class _Outbox:
    """The runner's events on their way to the database, deltas batched."""

    def __init__(self, job_id: int, worker_id: str):
        self.job_id, self.worker_id = job_id, worker_id
        self.pending: Events = []
        self.flushed_at = 0.0
        self.lock = asyncio.Lock()

    @property
    def due(self) -> bool:
        return time.monotonic() - self.flushed_at >= FLUSH_SECONDS

    async def emit(self, kind: str, data: dict) -> None:
        """Store at once, unless a delta comes within FLUSH_SECONDS of the last
        write: then it waits for the next write (the first text is never held)."""
        self.pending.append((kind, data))
        if kind != "delta" or self.due:
            await self.flush()

    async def flush(self) -> str:
        async with self.lock:
            events, self.pending = self.pending, []
            self.flushed_at = time.monotonic()
            state = await sync_to_async(_bookkeeping)(
                draft_events_append,
                job_id=self.job_id,
                worker_id=self.worker_id,
                events=events,
            )
        if state != "running":
            raise _Stop(state)
        return state


async def draft_run(
    *,
    job_id: int,
    task_id: str = "",
    worker_id: str = "",
    engine: NoteEngine | None = None,
) -> str:
    """Draft the job's note, storing every event; the job's final status."""
    job = await sync_to_async(_bookkeeping)(
        draft_job_start, job_id=job_id, task_id=task_id, worker_id=worker_id
    )
    if job is None:
        return "not started: cancelled or taken"
    engine = engine or await sync_to_async(get_engine)()
    out = _Outbox(job_id, worker_id)
    draft = DraftAccumulator()
    error: GenerationError | None = None
    state = "running"
    try:
        await out.emit("start", _start_event(job, engine))
        state = await _watched(_consume(job, engine, draft, out), out)
    except _Stop as stop:
        state = stop.state
    except GenerationError as exc:
        error = exc
    except BookkeepingFailed:
        raise  # the database, not the engine: the task fails, the reaper frees
    except Exception:
        logger.exception("note engine failed", extra={"note_id": job.note_id})
        error = GenerationError(
            "The note engine failed. What was drafted so far is kept; try again.",
            retryable=True,
        )
    if state == "gone":
        return "taken over"  # freed by the reaper (this worker looked dead)
    return await sync_to_async(_finish)(job, engine, draft, out, error, state)


def _start_event(job: GenerationJob, engine: NoteEngine) -> dict:
    return {
        "note": job.note_id,
        "engine": engine.name,
        "model": engine.model,
        "sections": [spec.key for spec in job.request.wanted],
    }


async def _consume(job, engine, draft: DraftAccumulator, out: _Outbox) -> str:
    titles = {spec.key: spec.title for spec in job.request.sections}
    async for event in engine.stream(job.request):
        draft.add(event)
        if isinstance(event, SectionStarted):
            await out.emit(
                "section", {"key": event.key, "title": titles.get(event.key)}
            )
        elif isinstance(event, TextDelta):
            await out.emit("delta", {"key": event.key, "text": event.text})
        elif isinstance(event, SectionFinished):
            await sync_to_async(_bookkeeping)(
                note_generation_checkpoint, job=job, sections=dict(draft.sections)
            )
            text = draft.sections.get(event.key, "")
            await out.emit("section_done", {"key": event.key, "text": text})
    return "done"


async def _watched(consume, out: _Outbox) -> str:
    """Run the engine; meanwhile flush waiting deltas and look for a cancel."""
    consumer = asyncio.ensure_future(consume)
    try:
        last_look = time.monotonic()
        while True:
            finished, _ = await asyncio.wait({consumer}, timeout=FLUSH_SECONDS)
            if finished:
                return consumer.result()  # raises what the engine raised
            now = time.monotonic()
            if (out.pending and out.due) or now - last_look >= CANCEL_POLL_SECONDS:
                last_look = now
                await out.flush()
    finally:
        if not consumer.done():  # a stop, or the database gone: the engine stops too
            consumer.cancel()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await consumer


def _finish(job, engine, draft, out: _Outbox, error, state: str) -> str:
    if state == "cancel":
        error = GenerationError(
            "The draft was cancelled. What was drafted so far is kept.", retryable=True
        )
    elif error is None and not all(
        spec.key in draft.finished for spec in job.request.wanted
    ):
        error = GenerationError(
            "The draft stopped before every section was written. What was "
            "drafted so far is kept; try again.",
            retryable=True,
        )
    _bookkeeping(
        note_generation_finish,
        job=job,
        sections=dict(draft.sections),
        usage=draft.usage,
        engine=engine.name,
        model=engine.model,
        error=error,
    )
    events = list(out.pending)
    if error is not None:
        kept = sorted(k for k, v in draft.sections.items() if v.strip())
        events.append(
            (
                "error",
                {"message": error.message, "retryable": error.retryable, "kept": kept},
            )
        )
    status = (
        DraftJob.Status.COMPLETE
        if error is None
        else DraftJob.Status.CANCELLED
        if state == "cancel"
        else DraftJob.Status.INTERRUPTED
    )
    _bookkeeping(
        draft_job_finish,
        job_id=out.job_id,
        worker_id=out.worker_id,
        status=status,
        events=events,
    )
    return status
