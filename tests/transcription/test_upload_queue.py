"""Uploads queue on their own (`transcription`), and fairly: an institution's second
upload waits behind another institution's first."""

import pytest
from django.conf import settings
from django_tasks_db.models import DBTaskResult

from templates_app.tasks import note_draft
from tests.transcription.factories import session_with_segments
from transcription.models import TranscriptionSession
from transcription.tasks import transcribe_upload, transcribe_upload_enqueue

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_queue(settings):
    """Tasks queued as rows, as a worker takes them (the tests run them in place)."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }


def _upload_of(user):
    return session_with_segments(
        user, count=0, status=TranscriptionSession.Status.TRANSCRIBING
    )


def test_drafts_transcription_and_email_have_a_queue_each():
    assert {"drafts", "transcription", "email"} <= set(settings.TASK_QUEUES)
    assert note_draft.queue_name == "drafts"
    assert transcribe_upload.queue_name == "transcription"


def test_another_institutions_first_upload_goes_before_ones_second(
    database_queue, resident, riverside_resident, tmp_path
):
    first = _upload_of(resident)
    transcribe_upload_enqueue(session=first, path=tmp_path / "a1.wav")
    second = _upload_of(resident)
    transcribe_upload_enqueue(session=second, path=tmp_path / "a2.wav")
    theirs = _upload_of(riverside_resident)
    transcribe_upload_enqueue(session=theirs, path=tmp_path / "b1.wav")

    # The order a worker of the transcription queue takes them in.
    taken = [
        row.args_kwargs["kwargs"]["session_id"]
        for row in DBTaskResult.objects.ready().filter(queue_name="transcription")
    ]
    assert taken == [first.pk, theirs.pk, second.pk]
