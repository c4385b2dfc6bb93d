"""Background tasks of the transcription app (Django's task framework, through the
django-tasks backport); each calls a service."""

from django_tasks import task

from transcription import services


@task()
def transcribe_upload(session_id: int, path: str) -> None:
    services.upload_transcribe(session_id=session_id, path=path)
