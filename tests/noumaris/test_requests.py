import json
import logging

import pytest

from noumaris.common.logging import JsonFormatter


def test_a_request_id_is_made_and_echoed(client):
    response = client.get("/health")
    assert len(response["X-Request-ID"]) == 32


def test_a_well_formed_request_id_is_honoured(client):
    response = client.get("/health", headers={"X-Request-ID": "lb-1234.abc"})
    assert response["X-Request-ID"] == "lb-1234.abc"


def test_a_malformed_request_id_is_replaced(client):
    response = client.get("/health", headers={"X-Request-ID": "bad id\nwith newline"})
    assert response["X-Request-ID"] != "bad id\nwith newline"
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_the_access_log_is_one_json_line_with_the_request_id_and_no_body(
    client, caplog
):
    secret = "Patient reports crushing chest pain since Tuesday"
    with caplog.at_level(logging.INFO, logger="noumaris.access"):
        response = client.post(
            "/login",
            {"username": "nobody", "password": secret, "note": secret},
            headers={"X-Request-ID": "req-42"},
        )
    assert response.status_code == 200
    records = [r for r in caplog.records if r.name == "noumaris.access"]
    assert len(records) == 1
    line = JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s").format(
        records[0]
    )
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["request_id"] == "req-42"
    assert entry["route"] == "/login"
    assert entry["status"] == 200
    assert secret not in line
    assert "nobody" not in line


def test_invitation_tokens_in_paths_are_not_logged(client, caplog):
    with caplog.at_level(logging.INFO, logger="noumaris.access"):
        client.get("/no-such-page/SECRET-TOKEN-123")
    record = next(r for r in caplog.records if r.name == "noumaris.access")
    assert "SECRET-TOKEN-123" not in JsonFormatter().format(record)


def test_the_access_log_never_reads_a_user_the_request_did_not(rf, caplog):
    """After a database error the user could not be read; reading it again for the
    log would wait on the pool a second time and turn the 503 into a 500."""
    from django.http import HttpResponse
    from django.utils.functional import SimpleLazyObject

    from noumaris.common.middleware import AccessLogMiddleware

    def unreadable():
        raise AssertionError("the log read the user")

    request = rf.get("/api/v1/me")
    request.user = SimpleLazyObject(unreadable)
    middleware = AccessLogMiddleware(lambda request: HttpResponse(status=503))
    with caplog.at_level(logging.INFO, logger="noumaris.access"):
        assert middleware(request).status_code == 503
    assert caplog.records[-1].user_id is None
