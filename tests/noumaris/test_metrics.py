def test_metrics_answer_prometheus_text_from_loopback(client):
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert b"django_http_requests" in response.content


def test_metrics_are_refused_from_another_network(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403


def test_metrics_accept_the_token_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "scrape-me"
    response = client.get(
        "/metrics",
        REMOTE_ADDR="203.0.113.9",
        headers={"Authorization": "Bearer scrape-me"},
    )
    assert response.status_code == 200
    wrong = client.get(
        "/metrics", REMOTE_ADDR="203.0.113.9", headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 403


def test_behind_a_proxy_metrics_judge_the_client_not_the_proxy(client, settings):
    """The proxy (on loopback) appends the address it saw; a forged entry to its
    left is not believed, by /metrics as by the audit log (noumaris.common.net)."""
    settings.TRUSTED_PROXY_COUNT = 1
    outsider = client.get(
        "/metrics",
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="127.0.0.1, 203.0.113.9",
    )
    assert outsider.status_code == 403
    inside = client.get(
        "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.5"
    )
    assert inside.status_code == 200
