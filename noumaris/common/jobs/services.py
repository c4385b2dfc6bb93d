"""Writes and reads of the task workers' own state: heartbeats and periodic claims.

The task framework keeps the tasks (django_tasks_db's `DBTaskResult`); this module
adds what it does not: which workers are alive, so that readiness can fail with no
worker and a task left running by a killed worker can be marked failed.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from noumaris.common.jobs.models import PeriodicRun, WorkerHeartbeat
from noumaris.common.jobs.periodic import PERIODIC, Periodic

logger = logging.getLogger(__name__)


class WorkerLost(Exception):  # noqa: N818 - the name the admin shows for such a task
    """The worker running this task stopped beating (killed, or its machine lost)."""


def _dead_before() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.WORKER_DEAD_AFTER)


def heartbeat_beat(*, worker_id: str, started_at: dt.datetime) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "seen_at": timezone.now(),
        },
    )


def heartbeat_end(*, worker_id: str) -> None:
    """A worker that stops cleanly says so at once (readiness need not wait)."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def workers_alive_count() -> int:
    return WorkerHeartbeat.objects.filter(seen_at__gt=_dead_before()).count()


def worker_ids_alive() -> set[str]:
    return set(
        WorkerHeartbeat.objects.filter(seen_at__gt=_dead_before()).values_list(
            "worker_id", flat=True
        )
    )


class OutcomeLost(Exception):  # noqa: N818 - the name the admin shows for such a task
    """The worker could not record how this task ended: the database went away as
    it ended (the task's own writes had failed on it, most likely)."""


def tasks_of_dead_workers_fail() -> int:
    """Mark failed each running task whose worker stopped beating; how many."""
    alive = worker_ids_alive()
    running = DBTaskResult.objects.running().filter(started_at__lt=_dead_before())
    failed = 0
    for result in running.only("id", "worker_ids", "status", "started_at"):
        if result.worker_ids and result.worker_ids[-1] in alive:
            continue
        worker = result.worker_ids[-1:]
        if _running_fail(result.pk, WorkerLost(f"worker {worker} stopped")):
            logger.warning("task %s failed: its worker stopped", result.pk)
            failed += 1
    return failed


def tasks_unrecorded_fail(*, worker_id: str) -> int:
    """Mark failed each task still 'running' on this worker, which runs none now:
    its end was never recorded (db_worker stopped on the database error of
    recording it). How many."""
    failed = 0
    for result in DBTaskResult.objects.running().only("id", "worker_ids"):
        if result.worker_ids[-1:] != [worker_id]:
            continue  # another worker's (JSON `contains` is PostgreSQL's alone)
        if _running_fail(result.pk, OutcomeLost(f"worker {worker_id} lost its end")):
            logger.warning("task %s failed: its end was never recorded", result.pk)
            failed += 1
    return failed


def _running_fail(pk, error: Exception) -> bool:
    with transaction.atomic():
        locked = DBTaskResult.objects.select_for_update().get(pk=pk)
        if locked.status != TaskResultStatus.RUNNING:
            return False
        locked.set_failed(error)
    return True


def periodic_claim(*, entry: Periodic, now: dt.datetime | None = None) -> bool:
    """Claim one due run of `entry` (a compare-and-set, safe across workers)."""
    now = now or timezone.now()
    PeriodicRun.objects.get_or_create(name=entry.name, defaults={"next_run_at": now})
    claimed = PeriodicRun.objects.filter(name=entry.name, next_run_at__lte=now).update(
        next_run_at=now + entry.every, last_run_at=now
    )
    return claimed == 1


def periodic_run_due() -> list[str]:
    """Run or enqueue every periodic job that is due; the names of those claimed."""
    ran = []
    for entry in PERIODIC:
        if not periodic_claim(entry=entry):
            continue
        ran.append(entry.name)
        try:
            if entry.inline:
                entry.load()()
            else:
                entry.load().enqueue()
        except Exception:
            logger.exception("periodic job %s failed", entry.name)
    return ran


def heartbeats_purge() -> int:
    old = timezone.now() - dt.timedelta(days=1)
    deleted, _ = WorkerHeartbeat.objects.filter(seen_at__lt=old).delete()
    return deleted


def task_counts() -> dict[tuple[str, str], int]:
    """{(queue, status): count} of the task rows (for /metrics)."""
    from django.db.models import Count

    rows = DBTaskResult.objects.values_list("queue_name", "status").annotate(
        n=Count("id")
    )
    return {(queue, status): n for queue, status, n in rows.order_by()}
