"""The record page, the encounter page and the dashboard's encounter list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditLog
from tests.transcription.factories import session_with_segments

pytestmark = pytest.mark.django_db


def test_the_record_page_asks_for_consent_before_recording(client, resident):
    client.force_login(resident)
    response = client.get("/encounters/new")
    assert response.status_code == 200
    body = response.content.decode()
    assert "The patient agreed to this encounter being recorded." in body
    assert 'id="rec-start" disabled' in body
    assert "transcription/record.js" in body
    assert "<script>" not in body and 'style="' not in body


def test_a_resident_without_the_feature_sees_why(client, resident2):
    client.force_login(resident2)
    body = client.get("/encounters/new").content.decode()
    assert "Recording is not available to you." in body
    assert "record.js" not in body


def test_the_record_page_needs_sign_in(client):
    response = client.get("/encounters/new")
    assert response.status_code == 302 and response.url.startswith("/login")


def test_the_encounter_page_shows_the_transcript_with_speakers_and_times(
    client, resident
):
    session = session_with_segments(resident, count=3, label="Bed 7")
    client.force_login(resident)
    response = client.get(f"/encounters/{session.pk}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Bed 7" in body
    for segment in session.segments.all():
        assert segment.text in body
        assert f'id="S{segment.seq}"' in body
    assert "Speaker 1" in body and "Speaker 2" in body
    assert "0:04" in body  # the second segment starts at 4 s
    assert not AuditLog.objects.filter(action="TRANSCRIPT_VIEWED").exists()


@pytest.mark.parametrize("outsider", ["riverside_resident", "resident2", "admin"])
def test_someone_elses_encounter_is_a_404(client, resident, outsider, request):
    session = session_with_segments(resident, count=1)
    client.force_login(request.getfixturevalue(outsider))
    assert client.get(f"/encounters/{session.pk}").status_code == 404
    assert client.get("/encounters/99999999").status_code == 404


def test_the_dashboard_lists_my_encounters_and_no_one_elses(
    client, resident, riverside_resident
):
    mine = [
        session_with_segments(resident, count=2, label=f"Mine {n}") for n in range(3)
    ]
    session_with_segments(riverside_resident, count=1, label="Theirs")
    client.force_login(resident)
    body = client.get("/").content.decode()
    for session in mine:
        assert session.label in body and f"/encounters/{session.pk}" in body
    assert "Theirs" not in body
    assert "2 segments" in body


def test_the_dashboard_list_takes_one_query_however_many_encounters(client, resident):
    client.force_login(resident)
    for n in range(5):
        session_with_segments(resident, count=2, label=f"E{n}")
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    encounter_queries = [
        q["sql"]
        for q in queries
        if 'FROM "transcription_transcriptionsession"' in q["sql"]
    ]
    # 1. the encounters with their segment counts (one aggregate query)
    assert len(encounter_queries) == 1
