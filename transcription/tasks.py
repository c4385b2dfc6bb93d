"""Background and periodic tasks of the transcription app (Django's task framework,
through the django-tasks backport; periodic ones scheduled in noumaris.jobs.periodic);
each calls a service."""

from django_tasks import task

from transcription.services import recordings, sessions, sockets


@task()
def tickets_purge() -> int:
    return sockets.tickets_purge()


@task()
def sessions_mark_orphans_paused() -> int:
    """Recordings no socket touched for 90 s (their server died) become paused."""
    return sessions.session_mark_orphans_paused()


@task()
def transcribe_upload(session_id: int, path: str) -> None:
    recordings.upload_transcribe(session_id=session_id, path=path)


@task()
def retained_audio_purge() -> int:
    """Delete kept recordings whose institution's retention ran out."""
    return recordings.retained_audio_purge()
