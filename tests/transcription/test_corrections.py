"""Correcting the transcript: each edit a revision, the engine's text kept, audited,
the segment's number (what citations point at) unchanged."""

import pytest

from accounts.models import AuditLog
from tests.transcription.factories import session_with_segments
from transcription.models import TranscriptionSession, TranscriptSegmentRevision

pytestmark = pytest.mark.django_db


def test_a_correction_keeps_the_engines_text_and_every_version(api, resident):
    session = session_with_segments(resident, count=2)
    heard = session.segments.get(seq=2).text
    api.force_login(resident)
    url = f"/api/v1/transcription/sessions/{session.pk}/segments/2"
    first = api.patch(url, {"text": "She takes methotrexate weekly."}, format="json")
    assert first.status_code == 200
    assert first.json()["seq"] == 2
    assert first.json()["text"] == "She takes methotrexate weekly."
    api.patch(url, {"text": "She takes methotrexate 15 mg weekly."}, format="json")
    revisions = list(
        TranscriptSegmentRevision.objects.filter(segment__session=session).values_list(
            "number", "text", "edited_by"
        )
    )
    assert revisions == [
        (0, heard, None),
        (1, "She takes methotrexate weekly.", resident.pk),
        (2, "She takes methotrexate 15 mg weekly.", resident.pk),
    ]
    segment = session.segments.get(seq=2)
    assert segment.text == "She takes methotrexate 15 mg weekly."
    audits = AuditLog.objects.filter(action="TRANSCRIPT_CORRECTED").order_by("pk")
    assert [a.details for a in audits] == [
        {"seq": 2, "revision": 1},
        {"seq": 2, "revision": 2},
    ]
    assert "methotrexate" not in str([a.details for a in audits])  # no PHI


def test_the_same_text_again_adds_no_revision(api, resident):
    session = session_with_segments(resident, count=1)
    text = session.segments.get().text
    api.force_login(resident)
    url = f"/api/v1/transcription/sessions/{session.pk}/segments/1"
    assert api.patch(url, {"text": f"  {text} "}, format="json").status_code == 200
    assert not TranscriptSegmentRevision.objects.exists()


def test_an_empty_correction_is_refused(api, resident):
    session = session_with_segments(resident, count=1)
    api.force_login(resident)
    url = f"/api/v1/transcription/sessions/{session.pk}/segments/1"
    response = api.patch(url, {"text": "   "}, format="json")
    assert response.status_code == 422


def test_a_recording_in_progress_cannot_be_corrected(api, resident):
    session = session_with_segments(
        resident, count=1, status=TranscriptionSession.Status.RECORDING
    )
    api.force_login(resident)
    url = f"/api/v1/transcription/sessions/{session.pk}/segments/1"
    response = api.patch(url, {"text": "Changed."}, format="json")
    assert response.status_code == 409
    assert "Stop the recording" in response.json()["detail"]


def test_an_outsider_cannot_correct_and_learns_nothing(
    api, resident, riverside_resident
):
    session = session_with_segments(resident, count=1)
    api.force_login(riverside_resident)
    url = f"/api/v1/transcription/sessions/{session.pk}/segments/1"
    assert api.patch(url, {"text": "Changed."}, format="json").status_code == 404
    api.force_login(resident)
    missing = f"/api/v1/transcription/sessions/{session.pk}/segments/9"
    assert api.patch(missing, {"text": "Changed."}, format="json").status_code == 404
    assert not TranscriptSegmentRevision.objects.exists()


def test_the_page_corrects_a_segment_and_shows_what_was_heard(client, resident):
    session = session_with_segments(resident, count=2)
    heard = session.segments.get(seq=1).text
    client.force_login(resident)
    response = client.post(
        f"/encounters/{session.pk}/segments/1", {"text": "No chest pain today."}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/encounters/{session.pk}#S1"
    page = client.get(f"/encounters/{session.pk}").content.decode()
    assert "No chest pain today." in page
    assert f"Heard as: {heard}" in page and "Corrected" in page


def test_an_outsider_cannot_correct_through_the_page(
    client, resident, riverside_resident
):
    session = session_with_segments(resident, count=1)
    client.force_login(riverside_resident)
    response = client.post(f"/encounters/{session.pk}/segments/1", {"text": "x"})
    assert response.status_code == 404
