"""The clock beside each task worker: its heartbeat and the periodic jobs.

A daemon thread of the `run_worker` process. Every WORKER_HEARTBEAT_EVERY seconds it
records that the worker lives, then runs or enqueues the periodic jobs that are due
(noumaris.common.jobs.periodic). When the process is killed the thread dies with it, the
heartbeat goes stale, and the other workers (or the next reader of a note) notice
within WORKER_DEAD_AFTER seconds.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

from noumaris.common.jobs.services import heartbeat_beat, periodic_run_due

logger = logging.getLogger(__name__)


class Clock(threading.Thread):
    def __init__(self, *, worker_id: str, periodic: bool = True):
        super().__init__(name=f"clock-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.periodic = periodic
        self.started_at = timezone.now()
        self.stopping = threading.Event()

    def tick(self) -> None:
        heartbeat_beat(worker_id=self.worker_id, started_at=self.started_at)
        if self.periodic:
            periodic_run_due()

    def run(self) -> None:
        while not self.stopping.wait(settings.WORKER_HEARTBEAT_EVERY):
            try:
                close_old_connections()
                self.tick()
            except Exception:
                logger.exception("worker clock tick failed")
            finally:
                connections.close_all()  # this thread's own connections

    def stop(self) -> None:
        self.stopping.set()
