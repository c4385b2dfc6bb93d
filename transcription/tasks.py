"""Periodic tasks of the transcription app (scheduled in noumaris.jobs.periodic)."""

from django_tasks import task

from transcription.services import tickets_purge as purge


@task()
def tickets_purge() -> int:
    return purge()
