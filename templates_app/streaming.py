"""A note's drafting as a background task, and its events as a rejoinable stream.

`POST notes/<id>/generate` claims the note (one draft at a time, as before) and, on
commit, enqueues `templates_app.tasks.note_draft`. A task worker runs the engine and
appends each event to the job's numbered `DraftEvent` rows (sections are saved on
the note as each finishes). Any page follows a job with `GET .../jobs/<job>/events`:
the events after `Last-Event-ID`, then the new ones as they are written, then
`done`; closing the page changes nothing about the draft.

Following a job (templates_app.following) reads the stored events; each write is
announced on the channel layer, so a stream reads when told rather than polling.
The worker writes a delta at once unless it wrote within FLUSH_SECONDS; then deltas
wait at most that long, batched.

Stated times: a cancel stops the engine within CANCEL_POLL_SECONDS of the request; a
worker killed mid-draft stops beating, and after WORKER_DEAD_AFTER (10 s) the first
live worker's clock (every 5 s) or any page following the job frees the note with
the sections it had finished: within 15 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import time

from asgiref.sync import sync_to_async
from django.db import (
    InterfaceError,
    OperationalError,
    close_old_connections,
    transaction,
)
from django.utils import timezone

from noumaris.db import pool_sweep
from noumaris.errors import ConflictError
from templates_app.following import draft_announce
from templates_app.generation import (
    DraftAccumulator,
    GenerationError,
    NoteEngine,
    SectionFinished,
    SectionStarted,
    TextDelta,
    get_engine,
)
from templates_app.models import ClinicalNote, DraftEvent, DraftJob
from templates_app.selectors import draft_job_get_for_author, note_review_state
from templates_app.services import (
    GenerationJob,
    note_generation_abandon,
    note_generation_begin,
    note_generation_checkpoint,
    note_generation_finish,
    note_generation_input,
)

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 0.1  # the oldest a written delta waits before it is stored
CANCEL_POLL_SECONDS = 0.5  # the runner's look for a cancel (and the job's heartbeat)
BOOKKEEPING_RETRY_DELAYS = (0.5, 1.0, 2.0)  # the runner's writes, after a db error

Events = list[tuple[str, dict]]


# --- The job's life (writes) ---------------------------------------------------------


@transaction.atomic
def note_draft_enqueue(*, user, note_id, section: str = "") -> DraftJob:
    """Claim the note for drafting and queue the work; the job answers at once."""
    job = note_generation_begin(user=user, note_id=note_id, section=section)
    draft = DraftJob.objects.create(
        note_id=job.note_id, requested_by=user, section=section
    )
    _append(draft, [("queued", {"note": job.note_id, "section": section})])
    transaction.on_commit(lambda: _enqueue(draft.pk), robust=True)
    return draft


def _enqueue(job_id: int) -> None:
    from templates_app.tasks import note_draft

    result = note_draft.enqueue(job_id=job_id)
    # The reaper asks the task framework about a job no worker started.
    DraftJob.objects.filter(pk=job_id, task_id="").update(task_id=str(result.id))


def _bookkeeping(write, /, **kwargs):
    """One of the runner's own writes. After a database error (a blip that dropped
    the worker's connection) the broken connection is closed and the write tried
    again, BOOKKEEPING_RETRY_DELAYS apart; then the error stands, the task fails,
    and the job, no longer beating, is freed by the reaper."""
    for delay in (*BOOKKEEPING_RETRY_DELAYS, None):
        try:
            return write(**kwargs)
        except (OperationalError, InterfaceError):
            if delay is None:
                raise
            logger.warning("draft bookkeeping: database error; trying again")
            close_old_connections()
            pool_sweep()  # the pool's other dead connections replaced at once
            time.sleep(delay)
    raise AssertionError("unreachable")


def draft_job_start(
    *, job_id: int, task_id: str, worker_id: str
) -> GenerationJob | None:
    """Mark the job running on this worker and gather the engine's input; None if
    the job was cancelled (or taken) before a worker reached it."""
    with transaction.atomic():
        draft = DraftJob.objects.select_for_update().get(pk=job_id)
        ours = draft.status == DraftJob.Status.RUNNING and draft.worker_id == worker_id
        if draft.status != DraftJob.Status.QUEUED and not ours:
            return None  # (ours: this start is being tried again after a blip)
        draft.status = DraftJob.Status.RUNNING
        draft.task_id, draft.worker_id = task_id, worker_id
        draft.started_at = timezone.now()
        draft.save(
            update_fields=["status", "task_id", "worker_id", "started_at", "updated_at"]
        )
    try:
        return note_generation_input(
            note_id=draft.note_id, user_id=draft.requested_by_id, section=draft.section
        )
    except (OperationalError, InterfaceError):
        raise  # the database, not the note: the start is tried again
    except Exception:  # the note changed under the queue: end the job, free the note
        logger.exception("draft job %s could not start", job_id)
        with transaction.atomic():
            draft = DraftJob.objects.select_for_update().get(pk=job_id)
            message = "The draft could not start; try again."
            draft_job_abandon(draft, DraftJob.Status.INTERRUPTED, message)
        return None


def draft_events_append(*, job_id: int, worker_id: str, events: Events) -> str:
    """Store events of a running job; the job's state for its runner: `running`,
    `cancel` (asked to stop) or `gone` (no longer this worker's)."""
    with transaction.atomic():
        draft = DraftJob.objects.select_for_update().get(pk=job_id)
        if draft.status != DraftJob.Status.RUNNING or draft.worker_id != worker_id:
            return "gone"
        if events:
            _append(draft, events)
        else:  # the job's own heartbeat: its runner is alive and holds the database
            draft.save(update_fields=["updated_at"])
        return "cancel" if draft.cancel_requested_at else "running"


@transaction.atomic
def draft_job_finish(
    *, job_id: int, worker_id: str, status: str, events: Events
) -> None:
    """The runner's last write: its remaining events, `done`, the final status."""
    draft = DraftJob.objects.select_for_update().get(pk=job_id)
    if draft.status != DraftJob.Status.RUNNING or draft.worker_id != worker_id:
        return
    _close(draft, status, events)


def draft_job_cancel(*, user, note_id, job_id) -> DraftJob:
    """Stop a draft: a queued one at once, a running one within CANCEL_POLL_SECONDS;
    what was drafted is kept either way."""
    draft = draft_job_get_for_author(user=user, note_id=note_id, job_id=job_id)
    with transaction.atomic():
        draft = DraftJob.objects.select_for_update().get(pk=draft.pk)
        if not draft.is_active:
            raise ConflictError("This draft has already finished.")
        if draft.status == DraftJob.Status.QUEUED:
            draft_job_abandon(
                draft, DraftJob.Status.CANCELLED, "The draft was cancelled."
            )
        elif draft.cancel_requested_at is None:
            draft.cancel_requested_at = timezone.now()
            draft.save(update_fields=["cancel_requested_at", "updated_at"])
    return draft


def draft_events_purge(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete the events of drafts finished long ago (their text is on the note)."""
    before = timezone.now() - older_than
    deleted, _ = DraftEvent.objects.filter(
        job__finished_at__lt=before, job__status__in=_FINISHED
    ).delete()
    return deleted


_FINISHED = [
    DraftJob.Status.COMPLETE,
    DraftJob.Status.INTERRUPTED,
    DraftJob.Status.CANCELLED,
]


def _append(draft: DraftJob, events: Events) -> None:
    """Number and store events; `draft` is locked by the caller."""
    rows = [
        DraftEvent(job=draft, seq=draft.last_seq + n, kind=kind, data=json.dumps(data))
        for n, (kind, data) in enumerate(events, start=1)
    ]
    DraftEvent.objects.bulk_create(rows)
    draft.last_seq += len(rows)
    draft.save(update_fields=["last_seq", "updated_at"])
    job_id, stored = draft.pk, [(r.seq, r.kind, r.data) for r in rows]
    transaction.on_commit(lambda: draft_announce(job_id=job_id, events=stored))


def _close(draft: DraftJob, status: str, events: Events) -> None:
    note = ClinicalNote.objects.only("generation", "input_tokens", "output_tokens").get(
        pk=draft.note_id
    )
    done = {
        "generation": note.generation,
        "input_tokens": note.input_tokens,
        "output_tokens": note.output_tokens,
        **note_review_state(note=note),  # the revision an edit names, open flags
    }
    _append(draft, [*events, ("done", done)])
    draft.status, draft.finished_at = status, timezone.now()
    draft.save(update_fields=["status", "finished_at", "updated_at"])


def draft_job_abandon(draft: DraftJob, status: str, message: str) -> None:
    """End a job its runner cannot end (cancelled before a worker took it, or its
    worker died): the note keeps the sections saved as they finished."""
    kept = sorted(
        json.loads(e.data)["key"]
        for e in draft.events.filter(kind="section_done").only("data")
    )
    note_generation_abandon(note_id=draft.note_id, message=message, kept=bool(kept))
    error = {"message": message, "retryable": True, "kept": kept}
    _close(draft, status, [("error", error)])


# --- The task's body: run the engine, store its events ------------------------------


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
            await sync_to_async(note_generation_checkpoint)(
                job=job, sections=dict(draft.sections)
            )
            text = draft.sections.get(event.key, "")
            await out.emit("section_done", {"key": event.key, "text": text})
    return "done"


async def _watched(consume, out: _Outbox) -> str:
    """Run the engine; meanwhile flush waiting deltas and look for a cancel."""
    consumer = asyncio.ensure_future(consume)
    last_look = time.monotonic()
    while True:
        finished, _ = await asyncio.wait({consumer}, timeout=FLUSH_SECONDS)
        if finished:
            return consumer.result()  # raises what the engine raised
        now = time.monotonic()
        if (out.pending and out.due) or now - last_look >= CANCEL_POLL_SECONDS:
            last_look = now
            try:
                await out.flush()
            except _Stop:
                consumer.cancel()
                with contextlib.suppress(asyncio.CancelledError, _Stop):
                    await consumer
                raise


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
