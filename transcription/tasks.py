"""Periodic tasks of the transcription app (scheduled in noumaris.jobs.periodic)."""

from django_tasks import task

from transcription.services import session_mark_orphans_paused
from transcription.services import tickets_purge as purge


@task()
def tickets_purge() -> int:
    return purge()


@task()
def sessions_mark_orphans_paused() -> int:
    """Recordings no socket touched for 90 s (their server died) become paused."""
    return session_mark_orphans_paused()
