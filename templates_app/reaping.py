"""Freeing the note of a draft that stopped: the job's reaper.

A draft holds its note (one draft at a time) until its runner ends the job. When the
runner cannot (its worker killed, or its task's own writes failed on a live worker),
the reaper ends the job instead, keeping the sections that had finished. It runs on
every worker's clock (noumaris.jobs.periodic, every 5 s) and from any stream
following the job (every 2 s): within 15 s of the stop.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from noumaris.jobs.services import worker_ids_alive
from templates_app.models import DraftJob
from templates_app.streaming import draft_job_abandon

logger = logging.getLogger(__name__)


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
            draft_job_abandon(draft, DraftJob.Status.INTERRUPTED, message)
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
