"""Uploading a recorded encounter: decoded with PyAV to 16 kHz mono, checked,
transcribed by a background task (Whisper), its audio deleted afterwards."""

import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditLog
from tests.services import require_executable
from transcription.audio import audio_seconds, decode_16k_mono
from transcription.models import TranscriptionSession
from transcription.services.recordings import upload_transcribe

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
    """With the default upload model (Whisper base, WHISPER_UPLOAD_MODEL), the live
    one (WHISPER_MODEL) left at tiny.en; the audit names the model."""
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
    transcribed = AuditLog.objects.get(action="RECORDING_TRANSCRIBED")
    assert (transcribed.details["engine"], transcribed.details["model"]) == (
        "offline",
        "base",
    )


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


@pytest.fixture(scope="session")
def streamed_webm(speech_wav, tmp_path_factory):
    """The speech as MediaRecorder writes it: WebM/Opus written as a stream, so with
    no Duration element (the muxer cannot go back to write one)."""
    ffmpeg = require_executable("ffmpeg", "encoding the upload test audio")
    path = tmp_path_factory.mktemp("streamed") / "streamed.webm"
    with path.open("wb") as out:
        subprocess.run(
            [ffmpeg, "-loglevel", "error", "-i", str(speech_wav), "-c:a", "libopus"]
            + ["-f", "webm", "pipe:1"],
            stdout=out,
            check=True,
        )
    return path


def test_a_recording_without_a_duration_is_measured_and_held_to_the_limit(
    api, resident, streamed_webm, upload_dir, settings
):
    assert audio_seconds(streamed_webm) == pytest.approx(11.2, abs=0.2)
    with pytest.raises(ValidationError) as caught:
        decode_16k_mono(streamed_webm, max_seconds=6)  # stops there, whatever it holds
    assert caught.value.message_dict["file"] == [
        "The recording is longer than 0.1 minutes."
    ]
    settings.UPLOAD_MAX_MINUTES = 0
    api.force_login(resident)
    response = api.post(
        "/api/v1/transcription/sessions/upload",
        {"file": as_upload(streamed_webm), "consent": True},
        format="multipart",
    )
    assert response.status_code == 422, response.json()
    assert response.json()["errors"]["file"] == [
        "The recording is longer than 0 minutes."
    ]
    assert not TranscriptionSession.objects.exists()


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


# --- Deepgram's pre-recorded API, when keyed --------------------------------------


@pytest.fixture
def deepgram_rest(settings):
    """A local Deepgram pre-recorded API; uploads go to it (the key is set)."""
    from tests.fakes.deepgram_rest import FakeDeepgramRest, Utterance

    fake = FakeDeepgramRest(
        utterances=[
            Utterance(0.4, 3.1, "What brings you in today?", speaker=0),
            Utterance(3.5, 7.9, "Chest pain since last night, and a fever.", speaker=1),
        ]
    )
    with fake.running():
        settings.TRANSCRIPTION_ENGINE = "auto"
        settings.DEEPGRAM_API_KEY = fake.api_key
        settings.DEEPGRAM_URL = fake.url
        yield fake


def _upload(api, user, path, django_capture_on_commit_callbacks, name=None):
    api.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/transcription/sessions/upload",
            {"file": as_upload(path, name=name), "consent": True},
            format="multipart",
        )
    assert response.status_code == 202, response.json()
    return TranscriptionSession.objects.get(pk=response.json()["id"])


def test_with_deepgram_keyed_an_upload_goes_to_its_prerecorded_api(
    api,
    resident,
    recordings,
    upload_dir,
    deepgram_rest,
    django_capture_on_commit_callbacks,
):
    session = _upload(
        api, resident, recordings["mp3"], django_capture_on_commit_callbacks
    )
    assert (session.engine, session.status, session.progress) == (
        "deepgram",
        "stopped",
        100,
    )
    stored = list(
        session.segments.values_list("seq", "speaker", "start_ms", "end_ms", "text")
    )
    assert stored == [
        (1, 0, 400, 3100, "What brings you in today?"),
        (2, 1, 3500, 7900, "Chest pain since last night, and a fever."),
    ]
    [sent] = deepgram_rest.requests
    assert sent["audio"] == recordings["mp3"].read_bytes()  # the file as uploaded
    query = sent["query"]
    assert {k: v for k, v in query.items() if k != "keyterm"} == {
        "model": ["nova-3-medical"],
        "smart_format": ["true"],
        "punctuate": ["true"],
        "diarize_model": ["latest"],
        "utterances": ["true"],
        "mip_opt_out": ["true"],
    }
    assert {"metformin", "atrial fibrillation"} <= set(query["keyterm"])
    assert list(upload_dir.iterdir()) == []
    transcribed = AuditLog.objects.get(action="RECORDING_TRANSCRIBED")
    assert transcribed.details["model"] == "nova-3-medical"


def test_an_overloaded_deepgram_is_asked_again_and_a_refusal_fails_the_upload(
    api,
    resident,
    recordings,
    upload_dir,
    deepgram_rest,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    from transcription.engines import deepgram

    monkeypatch.setattr(deepgram, "UPLOAD_RETRY_DELAYS", (0.05, 0.05))
    deepgram_rest.fail_first, deepgram_rest.fail_status = 2, 503
    session = _upload(
        api, resident, recordings["wav"], django_capture_on_commit_callbacks
    )
    assert len(deepgram_rest.requests) == 3 and session.status == "stopped"
    assert session.segments.count() == 2

    deepgram_rest.requests.clear()
    deepgram_rest.fail_first, deepgram_rest.fail_status = 10, 400  # not retried
    session = _upload(
        api, resident, recordings["wav"], django_capture_on_commit_callbacks
    )
    assert len(deepgram_rest.requests) == 1
    assert (session.status, session.segments.count()) == ("failed", 0)
    assert AuditLog.objects.filter(
        action="RECORDING_FAILED", target_id=str(session.pk)
    ).exists()
    assert list(upload_dir.iterdir()) == []


# --- Retention: off by default; when the institution keeps recordings ---------------


def test_a_retaining_institution_keeps_the_recording_encrypted_until_its_days_run_out(
    api,
    client,
    resident,
    resident2,
    demo_hospital,
    recordings,
    upload_dir,
    deepgram_rest,
    django_capture_on_commit_callbacks,
):
    import datetime as dt

    from django.utils import timezone

    from noumaris.common.fields import fernet
    from transcription.services.recordings import retained_audio_purge

    demo_hospital.recording_retention_days = 7
    demo_hospital.save()
    session = _upload(
        api, resident, recordings["m4a"], django_capture_on_commit_callbacks
    )
    kept = upload_dir / "retained"
    [file] = list(kept.iterdir())
    assert session.retained_audio == str(file)
    original = recordings["m4a"].read_bytes()
    assert original not in file.read_bytes()  # encrypted at rest...
    assert fernet().decrypt(file.read_bytes()) == original  # ...with the field keys
    assert session.retained_until - session.ended_at == dt.timedelta(days=7)
    transcribed = AuditLog.objects.get(action="RECORDING_TRANSCRIBED")
    assert transcribed.details["audio_deleted"] is False

    # its owner listens to it on the encounter page; nobody else can
    client.force_login(resident)
    page = client.get(f"/encounters/{session.pk}")
    assert "Kept, encrypted, until" in page.content.decode()
    url = f"/encounters/{session.pk}/recording"
    assert f'src="{url}"' in page.content.decode()
    played = client.get(url)
    assert played.status_code == 200 and played.content == original
    assert played["Content-Type"] == "audio/mp4"
    assert "no-store" in played["Cache-Control"]
    assert AuditLog.objects.filter(action="RECORDING_AUDIO_PLAYED").count() == 1
    client.force_login(resident2)
    assert client.get(url).status_code == 404

    assert retained_audio_purge(now=timezone.now() + dt.timedelta(days=6)) == 0
    assert file.exists()
    assert retained_audio_purge(now=timezone.now() + dt.timedelta(days=7, hours=1)) == 1
    assert not file.exists()
    session.refresh_from_db()
    assert (session.retained_audio, session.retained_until) == ("", None)
    assert AuditLog.objects.filter(action="RECORDING_AUDIO_DELETED").count() == 1
    assert session.segments.count() == 2  # the transcript stays
    client.force_login(resident)
    assert client.get(url).status_code == 404
    assert (
        "Kept, encrypted"
        not in client.get(f"/encounters/{session.pk}").content.decode()
    )


def test_the_recordings_settings_are_checked_and_only_senior_admins_change_them(
    admin, admin2, riverside_admin, demo_hospital
):
    from django.core.exceptions import ValidationError

    from institutions.services.institutions import institution_recordings_set
    from noumaris.common.errors import ForbiddenError, NotFoundError

    for bad, field in [
        (400, "recording_retention_days"),
        ("x", "recording_retention_days"),
    ]:
        with pytest.raises(ValidationError) as refused:
            institution_recordings_set(
                actor=admin, institution=demo_hospital, recording_retention_days=bad
            )
        assert field in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        institution_recordings_set(
            actor=admin,
            institution=demo_hospital,
            vocabulary="\n".join(f"drug{n}" for n in range(101)),
        )
    assert "At most 100 terms (101 given)." in refused.value.message_dict["vocabulary"]
    with pytest.raises(ForbiddenError):  # a non-senior admin
        institution_recordings_set(
            actor=admin2, institution=demo_hospital, recording_retention_days=30
        )
    with pytest.raises(NotFoundError):  # another institution's admin
        institution_recordings_set(
            actor=riverside_admin,
            institution=demo_hospital,
            recording_retention_days=30,
        )
    assert not AuditLog.objects.filter(action="INSTITUTION_RECORDINGS_CHANGED").exists()
    institution_recordings_set(
        actor=admin,
        institution=demo_hospital,
        recording_retention_days=30,
        vocabulary="ustekinumab\nustekinumab\n",
    )
    demo_hospital.refresh_from_db()
    assert (demo_hospital.recording_retention_days, demo_hospital.vocabulary) == (
        30,
        "ustekinumab",
    )
    [entry] = AuditLog.objects.filter(action="INSTITUTION_RECORDINGS_CHANGED")
    assert entry.details == {"recording_retention_days": [0, 30], "vocabulary_terms": 1}


def test_the_kept_recording_plays_by_byte_range_under_a_quoted_name(
    api,
    client,
    resident,
    demo_hospital,
    recordings,
    upload_dir,
    deepgram_rest,
    django_capture_on_commit_callbacks,
):
    demo_hospital.recording_retention_days = 7
    demo_hospital.save()
    session = _upload(
        api, resident, recordings["wav"], django_capture_on_commit_callbacks, 'a.w"v'
    )
    url = f"/encounters/{session.pk}/recording"
    original = recordings["wav"].read_bytes()
    client.force_login(resident)

    whole = client.get(url)
    assert whole.status_code == 200 and whole.content == original
    assert whole["Accept-Ranges"] == "bytes"
    assert whole["Content-Disposition"] == (
        f'inline; filename="encounter-{session.pk}.w\\"v"'
    )
    part = client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == original[100:200]
    assert part["Content-Range"] == f"bytes 100-199/{len(original)}"
    tail = client.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == original[-10:]
    past = client.get(url, headers={"Range": f"bytes={len(original)}-"})
    assert past.status_code == 416
    assert past["Content-Range"] == f"bytes */{len(original)}"
