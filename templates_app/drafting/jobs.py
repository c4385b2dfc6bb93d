"""A draft job's life: started by a worker, its events stored, finished, cancelled,
or freed when its worker dies (see the package's docstring for the stated times)."""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from noumaris.common.errors import ConflictError
from noumaris.common.jobs.services import worker_ids_alive
from templates_app.drafting.claim import (
    GenerationJob,
    note_generation_abandon,
    note_generation_input,
)
from templates_app.drafting.stream import draft_announce
from templates_app.models import ClinicalNote, DraftEvent, DraftJob
from templates_app.selectors import draft_job_get_for_author, note_review_state

logger = logging.getLogger(__name__)

Events = list[tuple[str, dict]]


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
            _abandon(draft, DraftJob.Status.INTERRUPTED, message)
        return None


def draft_events_append(*, job_id: int, worker_id: str, events: Events) -> str:
    """Store events of a running job; the job's state for its runner: `running`,
    `cancel` (asked to stop) or `gone` (no longer this worker's)."""
    with transaction.atomic():
        draft = DraftJob.objects.select_for_update().get(pk=job_id)
        if draft.status != DraftJob.Status.RUNNING or draft.worker_id != worker_id:
            return "gone"
        if events:
            events_store(draft, events)
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
    """Stop a draft: a queued one at once, a running one within the runner's CANCEL_POLL_SECONDS;
    what was drafted is kept either way."""
    draft = draft_job_get_for_author(user=user, note_id=note_id, job_id=job_id)
    with transaction.atomic():
        draft = DraftJob.objects.select_for_update().get(pk=draft.pk)
        if not draft.is_active:
            raise ConflictError("This draft has already finished.")
        if draft.status == DraftJob.Status.QUEUED:
            _abandon(draft, DraftJob.Status.CANCELLED, "The draft was cancelled.")
        elif draft.cancel_requested_at is None:
            draft.cancel_requested_at = timezone.now()
            draft.save(update_fields=["cancel_requested_at", "updated_at"])
    return draft


def draft_jobs_reap(*, job_id: int | None = None) -> int:
    """Free every note whose draft stopped (or just `job_id`'s), keeping the sections
    it finished; how many were freed. A running job stopped when its worker stopped
    beating, or when the job itself did (its runner touches it every
    CANCEL_POLL_SECONDS) and the task framework no longer runs its task (a task
    whose own bookkeeping failed, on a live worker); a queued job, when its task
    ended or is stuck in a start that never reached the job."""
    dead_before = timezone.now() - dt.timedelta(seconds=settings.WORKER_DEAD_AFTER)
    running = DraftJob.objects.filter(
        status=DraftJob.Status.RUNNING, started_at__lt=dead_before
    )
    queued = DraftJob.objects.filter(
        status=DraftJob.Status.QUEUED, created_at__lt=dead_before
    ).exclude(task_id="")
    if job_id is not None:
        running, queued = running.filter(pk=job_id), queued.filter(pk=job_id)
    candidates = list(running.values_list("pk", "worker_id", "updated_at", "task_id"))
    alive = worker_ids_alive() if candidates else set()
    stopped = [
        pk
        for pk, worker_id, touched, task_id in candidates
        if worker_id not in alive
        or (touched < dead_before and not _task_running(task_id))
    ]
    lost = [
        pk
        for pk, task_id in queued.values_list("pk", "task_id")
        if _task_lost(task_id, dead_before)
    ]
    freed = 0
    for pk in stopped + lost:
        with transaction.atomic():
            draft = DraftJob.objects.select_for_update().get(pk=pk)
            if not _still_stopped(draft, alive, dead_before):
                continue
            message = (
                "The drafting stopped (its worker went away or lost the database). "
                "What was drafted so far is kept; try again."
            )
            _abandon(draft, DraftJob.Status.INTERRUPTED, message)
        logger.warning("draft job %s freed: its draft stopped", pk)
        freed += 1
    return freed


def _still_stopped(draft: DraftJob, alive: set[str], dead_before) -> bool:
    """The reaper's second look, under the job's lock."""
    if draft.status == DraftJob.Status.QUEUED:
        return True  # its task already ended or never reached it
    if draft.status != DraftJob.Status.RUNNING:
        return False
    if draft.worker_id not in alive:
        return True
    return draft.updated_at < dead_before and not _task_running(draft.task_id)


def _task_running(task_id: str) -> bool:
    """The task framework still runs this task (a long last step of a live draft,
    such as its verification, does not touch the job)."""
    from django_tasks import TaskResultStatus

    from templates_app.tasks import note_draft

    try:
        return note_draft.get_result(task_id).status == TaskResultStatus.RUNNING
    except Exception:  # no such result, or a backend that keeps none
        return False


def _task_lost(task_id: str, dead_before) -> bool:
    """The queued job's task ended, or was taken before `dead_before` and has not
    started the job since: no worker will."""
    from django_tasks import TaskResultStatus

    from templates_app.tasks import note_draft

    try:
        result = note_draft.get_result(task_id)
    except Exception:  # no such result, or a backend that keeps none
        return False
    if result.status == TaskResultStatus.READY:
        return False
    if result.status == TaskResultStatus.RUNNING:
        return result.started_at is not None and result.started_at < dead_before
    return True


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


def events_store(draft: DraftJob, events: Events) -> None:
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
    events_store(draft, [*events, ("done", done)])
    draft.status, draft.finished_at = status, timezone.now()
    draft.save(update_fields=["status", "finished_at", "updated_at"])


def _abandon(draft: DraftJob, status: str, message: str) -> None:
    """End a job its runner cannot end (cancelled before a worker took it, or its
    worker died): the note keeps the sections saved as they finished."""
    kept = sorted(
        json.loads(e.data)["key"]
        for e in draft.events.filter(kind="section_done").only("data")
    )
    note_generation_abandon(note_id=draft.note_id, message=message, kept=bool(kept))
    error = {"message": message, "retryable": True, "kept": kept}
    _close(draft, status, [("error", error)])
