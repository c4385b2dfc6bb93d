"""Uploading a recorded encounter: decoded with PyAV to 16 kHz mono, checked,
transcribed by a background task (Whisper), its audio deleted afterwards."""

import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditLog
from tests.services import require_executable
from transcription.audio import decode_16k_mono
from transcription.models import TranscriptionSession
from transcription.services import upload_transcribe

pytestmark = pytest.mark.django_db
FORMATS = {"wav": [], "mp3": [], "ogg": ["-c:a", "libopus"], "m4a": [], "webm": []}


@pytest.fixture(scope="session")
def recordings(speech_wav, tmp_path_factory):
    """The speech WAV encoded by FFmpeg in every format an upload may take."""
    ffmpeg = require_executable("ffmpeg", "encoding the upload test audio")
    folder = tmp_path_factory.mktemp("uploads")
    paths = {}
    for extension, options in FORMATS.items():
        path = folder / f"speech.{extension}"
        subprocess.run(
            [ffmpeg, "-loglevel", "error", "-y", "-i", str(speech_wav), *options]
            + [str(path)],
            check=True,
        )
        paths[extension] = path
    return paths


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path / "waiting"
    return settings.UPLOAD_DIR


def as_upload(path, name=None):
    return SimpleUploadedFile(name or path.name, path.read_bytes())


@pytest.mark.parametrize("extension", FORMATS)
def test_every_format_decodes_to_16k_mono(recordings, extension):
    samples = decode_16k_mono(recordings[extension])
    assert samples.ndim == 1 and samples.dtype == "float32"
    assert len(samples) / 16000 == pytest.approx(11.2, abs=0.15)
    assert 0.3 < abs(samples).max() <= 1.0


def test_an_upload_is_transcribed_in_the_background_and_its_audio_deleted(
    api, resident, recordings, upload_dir, django_capture_on_commit_callbacks
):
    api.force_login(resident)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.post(
            "/api/v1/transcription/sessions/upload",
            {"file": as_upload(recordings["m4a"]), "label": "Clinic", "consent": True},
            format="multipart",
        )
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "transcribing"
    assert len(callbacks) == 1  # the task, queued once the upload was committed
    session = TranscriptionSession.objects.get(pk=response.json()["id"])
    assert session.status == "stopped" and session.progress == 100
    assert session.audio_seconds == pytest.approx(11.2, abs=0.15)
    texts = list(session.segments.values_list("text", flat=True))
    assert "chest pain" in " ".join(texts).lower()
    assert "fever" in " ".join(texts).lower()
    assert list(upload_dir.iterdir()) == []  # the audio is gone
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"RECORDING_UPLOADED", "RECORDING_TRANSCRIBED"} <= actions


@pytest.mark.parametrize(
    "setting,value,message",
    [
        ("UPLOAD_MAX_MB", 0, "larger than 0 MB"),
        ("UPLOAD_MAX_MINUTES", 0, "longer than 0 minutes"),
    ],
)
def test_limits_are_refused_with_the_reason(
    api, resident, recordings, upload_dir, settings, setting, value, message
):
    setattr(settings, setting, value)
    api.force_login(resident)
    response = api.post(
        "/api/v1/transcription/sessions/upload",
        {"file": as_upload(recordings["wav"]), "consent": True},
        format="multipart",
    )
    assert response.status_code == 422
    assert message in response.json()["errors"]["file"][0]
    assert not TranscriptionSession.objects.exists()
    assert not upload_dir.exists() or list(upload_dir.iterdir()) == []


def test_a_file_that_is_not_audio_is_refused(api, resident, upload_dir):
    api.force_login(resident)
    fake = SimpleUploadedFile("notes.mp3", b"these are not the droids" * 100)
    response = api.post(
        "/api/v1/transcription/sessions/upload",
        {"file": fake, "consent": True},
        format="multipart",
    )
    assert response.status_code == 422
    assert "not a recording we can read" in response.json()["errors"]["file"][0]
    assert list(upload_dir.iterdir()) == []


def test_an_upload_needs_consent_and_the_feature(api, resident, resident2, recordings):
    api.force_login(resident)
    response = api.post(
        "/api/v1/transcription/sessions/upload",
        {"file": as_upload(recordings["wav"]), "consent": False},
        format="multipart",
    )
    assert response.status_code == 403
    api.force_login(resident2)
    response = api.post(
        "/api/v1/transcription/sessions/upload",
        {"file": as_upload(recordings["wav"]), "consent": True},
        format="multipart",
    )
    assert response.status_code == 403
    assert not TranscriptionSession.objects.exists()


def test_a_recording_that_cannot_be_decoded_fails_the_session(resident, tmp_path):
    from tests.transcription.factories import SessionFactory

    session = SessionFactory(owner=resident, status="transcribing")
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF0000WAVE")
    upload_transcribe(session_id=session.pk, path=str(broken))
    session.refresh_from_db()
    assert session.status == "failed"
    assert not broken.exists()


def test_the_page_uploads_and_shows_progress_until_done(client, resident, recordings):
    client.force_login(resident)
    assert "Upload and transcribe" in client.get("/encounters/upload").content.decode()
    response = client.post(
        "/encounters/upload",
        {"file": as_upload(recordings["ogg"]), "label": "Ward 2", "consent": "on"},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    # The task runs once the upload is committed; until then the page says so.
    assert "Transcribing the uploaded recording: 0%" in page
    assert "<progress" in page


def test_the_page_refuses_without_consent(client, resident, recordings):
    client.force_login(resident)
    response = client.post("/encounters/upload", {"file": as_upload(recordings["wav"])})
    assert response.status_code == 422
    assert "agreed to be recorded" in response.content.decode()
