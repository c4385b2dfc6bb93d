"""The transcription API: own sessions, segments, tickets, WebSocket metrics."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.transcription.factories import session_with_segments

pytestmark = pytest.mark.django_db


def test_a_resident_lists_only_their_sessions_with_counts(
    api, resident, riverside_resident
):
    mine = session_with_segments(resident, count=3, label="Mine")
    session_with_segments(riverside_resident, count=1, label="Theirs")
    api.force_login(resident)
    body = api.get("/api/v1/transcription/sessions").json()
    assert body["count"] == 1 and body["next"] is None
    row = body["results"][0]
    assert row["id"] == mine.pk and row["segment_count"] == 3
    assert row["label"] == "Mine" and row["status"] == "stopped"
    assert "text" not in row


def test_an_admin_sees_no_ones_sessions_through_the_api(api, admin, resident):
    session_with_segments(resident, count=2)
    api.force_login(admin)
    assert api.get("/api/v1/transcription/sessions").json()["count"] == 0


def test_the_session_list_takes_two_queries(api, resident):
    for _ in range(4):
        session_with_segments(resident, count=2)
    api.force_login(resident)
    api.get("/api/v1/me")  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/v1/transcription/sessions")
    assert response.status_code == 200
    ours = [q for q in queries if "transcription_" in q["sql"]]
    # 1. count for pagination, 2. the page with segment counts
    assert len(ours) == 2


def test_segments_come_in_order_and_after_a_seq(api, resident):
    session = session_with_segments(resident, count=5)
    api.force_login(resident)
    url = f"/api/v1/transcription/sessions/{session.pk}/segments"
    body = api.get(url, {"page_size": 2}).json()
    assert body["count"] == 5 and [s["seq"] for s in body["results"]] == [1, 2]
    assert body["results"][0]["text"].startswith("The patient reports")
    later = api.get(url, {"after_seq": 3}).json()
    assert [s["seq"] for s in later["results"]] == [4, 5]
    bad = api.get(url, {"after_seq": "x"})
    assert bad.status_code == 422 and "after_seq" in bad.json()["errors"]


def test_the_segment_list_takes_fixed_queries(api, resident):
    session = session_with_segments(resident, count=20)
    api.force_login(resident)
    api.get("/api/v1/me")
    with CaptureQueriesContext(connection) as queries:
        api.get(f"/api/v1/transcription/sessions/{session.pk}/segments")
    ours = [q for q in queries if "transcription_" in q["sql"]]
    # 1. the session (owner check), 2. count, 3. the page of segments
    assert len(ours) == 3


def test_a_ticket_is_issued_with_its_socket_path(api, resident, resident2):
    api.force_login(resident)
    response = api.post("/api/v1/transcription/tickets")
    assert response.status_code == 201
    body = response.json()
    assert body["url"] == f"/ws/transcribe/?ticket={body['ticket']}"
    api.force_login(resident2)
    refused = api.post("/api/v1/transcription/tickets")
    assert refused.status_code == 403
    assert "granted" in refused.json()["detail"].lower()


def test_websocket_metrics_are_for_superadmins(api, superadmin, admin, resident):
    session_with_segments(resident, count=1, engine="deepgram", audio_seconds=30)
    api.force_login(admin)
    assert api.get("/api/v1/admin/superadmin/websocket-metrics").status_code == 403
    api.force_login(superadmin)
    body = api.get("/api/v1/admin/superadmin/websocket-metrics").json()
    assert body["sessions_by_engine"] == {"deepgram": 1}
    assert body["audio_seconds"] == 30.0
    assert body["open_connections"] >= 0 and isinstance(body["errors"], dict)


def test_the_figures_are_in_metrics_too(client, resident):
    session_with_segments(resident, count=1, engine="offline", audio_seconds=12)
    text = client.get("/metrics").content.decode()
    assert 'noumaris_transcription_sessions{engine="offline"} 1.0' in text
    assert "noumaris_transcription_audio_seconds 12.0" in text
