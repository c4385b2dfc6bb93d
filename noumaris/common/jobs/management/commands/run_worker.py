"""`manage.py run_worker`: django_tasks_db's `db_worker`, with a heartbeat and the
periodic clock in the same process (one process per worker; run as many as needed)."""

import itertools
import logging
import os
import secrets
import socket
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections

from noumaris.common.jobs.services import heartbeat_end, tasks_unrecorded_fail
from noumaris.common.jobs.worker import Clock

logger = logging.getLogger(__name__)
# After a database error: 1, 2, 4 s, then every 5 s for about ten minutes. Once
# the database is back, the task it left running is failed within 5 s: a draft's
# note is then freed within the reaper's 15 s (templates_app.drafting).
RESTART_DELAYS = (1, 2, 4, *itertools.repeat(5, 120))


class Command(BaseCommand):
    help = "Run a background task worker (db_worker + heartbeat + periodic jobs)."
    # The web server's start runs the system checks; a worker restarted after a
    # crash should take tasks again at once.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue-name",
            default="*",
            help="Queues to take tasks from, comma-separated; '*' for all (default).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=0.1,
            help="Seconds between looks at an empty queue (default 0.1: the pickup "
            "of a draft must not be felt).",
        )
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help="Beat, but leave the periodic jobs to other workers.",
        )
        parser.add_argument("--max-tasks", type=int, default=None)

    def handle(self, *, queue_name, interval, no_periodic, max_tasks, **options):
        host = socket.gethostname()[:40]
        worker_id = f"{host}-{os.getpid()}-{secrets.token_hex(4)}"
        clock = Clock(worker_id=worker_id, periodic=not no_periodic)
        clock.tick()  # alive before the first task is taken
        clock.start()
        self.stdout.write(f"worker {worker_id} taking queues {queue_name}")
        try:
            for delay in RESTART_DELAYS:
                try:
                    # A task this worker left 'running' when db_worker stopped
                    # on a database error has ended: failed, before the next.
                    tasks_unrecorded_fail(worker_id=worker_id)
                    call_command(
                        "db_worker",
                        queue_name=queue_name,
                        interval=interval,
                        worker_id=worker_id,
                        reload=False,
                        startup_delay=False,
                        max_tasks=max_tasks,
                        verbosity=options["verbosity"],
                    )
                    return  # stopped by a signal, or max_tasks done
                except DatabaseError:
                    # db_worker stops on a database error of its own bookkeeping
                    # (the database went away; a task's row deleted while it ran),
                    # and a task whose end it was recording stays 'running' (failed
                    # above, once the database answers). Take tasks again after a
                    # pause rather than leave the queue unserved.
                    logger.exception("task worker: database error; resuming")
                    close_old_connections()
                    time.sleep(delay)
            raise CommandError("task worker: the database kept failing; stopping")
        finally:
            clock.stop()
            heartbeat_end(worker_id=worker_id)
