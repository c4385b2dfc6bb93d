"""The registry of periodic jobs: every recurring piece of work, in one place.

Each worker's clock (noumaris.jobs.worker) looks at this list every
WORKER_HEARTBEAT_EVERY seconds. An entry whose time has come is claimed by exactly
one worker (a compare-and-set on its `PeriodicRun` row) and then either run there
(`inline`: short liveness work that must not wait behind a queue) or enqueued as an
ordinary task, so it shows in the admin, is retried by hand there and counted in
/metrics. Add an entry here to schedule new work; nothing else needs to change.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Periodic:
    name: str
    every: dt.timedelta
    target: str  # dotted path of a Task (enqueued) or a function (`inline`)
    inline: bool = False
    doc: str = ""

    def load(self):
        return import_string(self.target)


PERIODIC: tuple[Periodic, ...] = (
    Periodic(
        "tasks.fail_of_dead_workers",
        dt.timedelta(seconds=5),
        "noumaris.jobs.services.tasks_of_dead_workers_fail",
        inline=True,
        doc="Mark the running tasks of a worker that stopped beating as failed.",
    ),
    Periodic(
        "notes.drafts_of_dead_workers",
        dt.timedelta(seconds=5),
        "templates_app.reaping.draft_jobs_reap",
        inline=True,
        doc="Free a note whose draft stopped (worker dead, or lost the database).",
    ),
    Periodic(
        "institutions.invitations_expire",
        dt.timedelta(hours=1),
        "institutions.tasks.invitations_expire",
        doc="Mark pending invitations past their 7 days expired (seats freed).",
    ),
    Periodic(
        "transcription.tickets_purge",
        dt.timedelta(hours=1),
        "transcription.tasks.tickets_purge",
        doc="Delete WebSocket tickets that expired or were spent.",
    ),
    Periodic(
        "transcription.orphans_pause",
        dt.timedelta(minutes=1),
        "transcription.tasks.sessions_mark_orphans_paused",
        doc="Pause recordings whose server died (no socket for 90 s): Resume shows.",
    ),
    Periodic(
        "transcription.retained_audio_purge",
        dt.timedelta(hours=1),
        "transcription.tasks.retained_audio_purge",
        doc="Delete kept upload recordings whose institution's retention ran out.",
    ),
    Periodic(
        "notes.cosign_reminders",
        dt.timedelta(hours=1),
        "templates_app.tasks.send_cosign_reminders",
        doc="E-mail attendings with overdue co-signatures (at most once a day each).",
    ),
    Periodic(
        "notes.draft_events_purge",
        dt.timedelta(hours=1),
        "templates_app.tasks.draft_events_purge",
        doc="Delete the streamed events of drafts finished over a day ago.",
    ),
    Periodic(
        "tasks.results_prune",
        dt.timedelta(days=1),
        "noumaris.jobs.tasks.task_results_prune",
        doc="Delete finished task rows over 7 days old, and old heartbeats.",
    ),
)
