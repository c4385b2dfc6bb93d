"""Importing a transcript made elsewhere: plain text with speaker prefixes or WebVTT,
through the API and the page."""

import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditLog
from transcription.models import TranscriptionSession
from transcription.transcripts import parse_transcript

pytestmark = pytest.mark.django_db

PLAIN = """Doctor: What brings you in today?
Patient: I have had a cough
for about two weeks.
Doctor: Any fever?
Patient's mother: He was warm last night.
Patient: No fever that I know of.
"""

VTT = """WEBVTT

00:00:01.250 --> 00:00:04.000
<v Dr. Lee>Any allergies to medicines?

00:00:04.500 --> 00:00:06.750
<v Patient>Penicillin gives me a rash.

00:00:07.000 --> 00:00:09.000
Interpreter: She says penicillin.
"""


def test_plain_text_turns_become_lines_and_continuations_join_them():
    transcript = parse_transcript(PLAIN)
    assert transcript.format == "text"
    assert [(line.speaker, line.text) for line in transcript.lines] == [
        ("doctor", "What brings you in today?"),
        ("patient", "I have had a cough for about two weeks."),
        ("doctor", "Any fever?"),
        ("patient's mother", "He was warm last night."),
        ("patient", "No fever that I know of."),
    ]
    assert transcript.speakers() == {"doctor": 0, "patient": 1, "patient's mother": 2}
    assert transcript.roles() == {"0": "clinician", "1": "patient", "2": "family"}


def test_a_colon_in_a_dictation_is_not_a_speaker():
    transcript = parse_transcript("Plan: start metformin.\nFollow up: two weeks.")
    assert [(line.speaker, line.text) for line in transcript.lines] == [
        (None, "Plan: start metformin. Follow up: two weeks.")
    ]
    assert transcript.roles() == {}


def test_webvtt_cues_keep_their_times_and_voices():
    transcript = parse_transcript(VTT)
    assert transcript.format == "webvtt"
    assert [
        (line.speaker, line.text, line.start_ms, line.end_ms)
        for line in transcript.lines
    ] == [
        ("dr. lee", "Any allergies to medicines?", 1250, 4000),
        ("patient", "Penicillin gives me a rash.", 4500, 6750),
        ("interpreter", "She says penicillin.", 7000, 9000),
    ]
    assert transcript.roles() == {"0": "clinician", "1": "patient", "2": "interpreter"}


@pytest.mark.parametrize(
    "text,message",
    [
        ("   \n\n", "The transcript has no text."),
        ("WEBVTT\n\n00:00:01.000 --> never\nhello\n", "The transcript has no text."),
        ("x" * 1_000_001, "longer than 1,000,000 characters"),
        ("Doctor: a\x00b", "NUL byte"),
        ("WEBVTT\n\n9999999:00:00.000 --> 9999999:00:01.000\nhi\n", "after 24 hours"),
    ],
)
def test_nothing_readable_is_refused_with_the_reason(text, message):
    with pytest.raises(ValidationError) as caught:
        parse_transcript(text)
    assert message in " ".join(caught.value.message_dict["transcript"])


def test_the_api_makes_an_encounter_with_its_segments_and_speakers(api, resident):
    api.force_login(resident)
    response = api.post(
        "/api/v1/transcription/sessions/import",
        {"transcript": VTT, "label": "Clinic 3", "consent": True},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["engine"] == "import" and body["status"] == "stopped"
    assert body["segment_count"] == 3 and body["label"] == "Clinic 3"
    assert body["speaker_roles"] == {
        "0": "clinician",
        "1": "patient",
        "2": "interpreter",
    }
    assert body["audio_seconds"] == 9.0
    segments = api.get(f"/api/v1/transcription/sessions/{body['id']}/segments").json()[
        "results"
    ]
    assert [(s["seq"], s["speaker"], s["speaker_role"]) for s in segments] == [
        (1, 0, "clinician"),
        (2, 1, "patient"),
        (3, 2, "interpreter"),
    ]
    assert segments[1]["text"] == "Penicillin gives me a rash."
    audit = AuditLog.objects.get(action="TRANSCRIPT_IMPORTED")
    assert audit.details["format"] == "webvtt" and audit.details["segments"] == 3
    assert "Penicillin" not in str(audit.details)


def test_the_api_refuses_an_import_without_consent(api, resident):
    api.force_login(resident)
    response = api.post(
        "/api/v1/transcription/sessions/import",
        {"transcript": PLAIN, "consent": False},
        format="json",
    )
    assert response.status_code == 403
    assert "agreed to be recorded" in response.json()["detail"]
    assert not TranscriptionSession.objects.exists()


def test_the_api_answers_an_empty_transcript_with_422(api, resident):
    api.force_login(resident)
    response = api.post(
        "/api/v1/transcription/sessions/import",
        {"transcript": "\n \n", "consent": True},
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["errors"]["transcript"] == ["The transcript has no text."]


def test_a_resident_without_the_feature_cannot_import(api, resident2):
    api.force_login(resident2)
    response = api.post(
        "/api/v1/transcription/sessions/import",
        {"transcript": PLAIN, "consent": True},
        format="json",
    )
    assert response.status_code == 403
    assert not TranscriptionSession.objects.exists()


def test_the_page_imports_a_pasted_transcript(client, resident):
    client.force_login(resident)
    assert client.get("/encounters/import").status_code == 200
    response = client.post(
        "/encounters/import",
        {"transcript": PLAIN, "label": "Cough", "consent": "on"},
    )
    session = TranscriptionSession.objects.get(owner=resident)
    assert response.status_code == 302
    assert response["Location"] == f"/encounters/{session.pk}"
    page = client.get(response["Location"]).content.decode()
    assert "I have had a cough for about two weeks." in page
    assert "Clinician" in page and "Family member" in page


def test_the_page_imports_an_uploaded_vtt_file(client, resident):
    client.force_login(resident)
    upload = SimpleUploadedFile("visit.vtt", VTT.encode(), content_type="text/vtt")
    response = client.post("/encounters/import", {"file": upload, "consent": "on"})
    assert response.status_code == 302
    session = TranscriptionSession.objects.get(owner=resident)
    assert session.segments.count() == 3


def test_the_page_shows_errors_beside_the_fields(client, resident):
    client.force_login(resident)
    response = client.post("/encounters/import", {"transcript": PLAIN})
    assert response.status_code == 422
    assert "agreed to be recorded" in response.content.decode()
    assert PLAIN.splitlines()[0] in response.content.decode()  # kept for a retry
    binary = SimpleUploadedFile("a.wav", b"RIFF\xff\xfe\x00", content_type="audio/wav")
    response = client.post("/encounters/import", {"file": binary, "consent": "on"})
    assert response.status_code == 422
    assert "not text (UTF-8)" in response.content.decode()
    assert not TranscriptionSession.objects.exists()


def test_a_nul_byte_in_a_typed_field_is_a_422_on_both_pages(client, resident):
    client.force_login(resident)
    label = {"label": "Bed\x004", "consent": "on"}
    imported = client.post("/encounters/import", {**label, "transcript": PLAIN})
    assert imported.status_code == 422
    assert "Null characters are not allowed." in imported.content.decode()
    upload = SimpleUploadedFile("a.wav", b"RIFF", content_type="audio/wav")
    uploaded = client.post("/encounters/upload", {**label, "file": upload})
    assert uploaded.status_code == 422
    assert "Null characters are not allowed." in uploaded.content.decode()
    assert not TranscriptionSession.objects.exists()


def test_the_page_tells_a_resident_without_the_feature_why(client, resident2):
    client.force_login(resident2)
    response = client.post("/encounters/import", {"transcript": PLAIN, "consent": "on"})
    assert "Importing is not available to you." in response.content.decode()
    assert not TranscriptionSession.objects.exists()


def _parse_seconds(lines: int) -> float:
    """CPU time to parse one speaker's turn continued over `lines` lines (best of 3)."""
    text = "Doctor: hi\n" + "and the pain is worse at night, she says.\n" * lines
    times = []
    for _ in range(3):
        start = time.process_time()
        parse_transcript(text)
        times.append(time.process_time() - start)
    return min(times)


def test_parsing_is_linear_in_the_transcript():
    small, large = _parse_seconds(4_500), _parse_seconds(18_000)
    # Four times the lines: about four times the time (quadratic would be sixteen).
    assert large < 8 * small + 0.05, (small, large)


def test_a_transcript_of_too_many_lines_is_a_422_before_it_is_parsed(api, resident):
    api.force_login(resident)
    response = api.post(
        "/api/v1/transcription/sessions/import",
        {"transcript": "Doctor: hi\n" + "x\n" * 499_990, "consent": True},
        format="json",
    )
    assert response.status_code == 422, response.json()
    assert response.json()["errors"]["transcript"] == [
        "The transcript has more than 20,000 lines."
    ]
