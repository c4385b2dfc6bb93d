"""Background and periodic tasks of the transcription app (Django's task framework,
through the django-tasks backport; periodic ones scheduled in noumaris.common.jobs.periodic);
each calls a service."""

from django_tasks import task
from django_tasks.base import TASK_MIN_PRIORITY

from transcription import selectors
from transcription.services import recordings, sessions, sockets


@task()
def tickets_purge() -> int:
    return sockets.tickets_purge()


@task()
def sessions_mark_orphans_paused() -> int:
    """Recordings no socket touched for 90 s (their server died) become paused."""
    return sessions.session_mark_orphans_paused()


@task(queue_name="transcription")
def transcribe_upload(session_id: int, path: str) -> None:
    recordings.upload_transcribe(session_id=session_id, path=path)


def transcribe_upload_enqueue(*, session, path) -> None:
    """Queue an upload's transcription behind its own institution's waiting ones:
    each upload an institution already has in the queue lowers the next one's
    priority by one, so another institution's first upload goes before its second
    (the worker takes the highest priority first, then the oldest)."""
    waiting = selectors.uploads_waiting(session=session)
    priority = max(TASK_MIN_PRIORITY, -(waiting - 1))
    transcribe_upload.using(priority=priority).enqueue(
        session_id=session.pk, path=str(path)
    )


@task()
def retained_audio_purge() -> int:
    """Delete kept recordings whose institution's retention ran out."""
    return recordings.retained_audio_purge()
