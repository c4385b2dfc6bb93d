"""API_RATE_LIMIT (50/m by default) per IP and per signed-in user, per route."""

import time

import pytest
from django.conf import settings
from django_ratelimit.core import _get_window

from tests.browser import live_server
from tests.live import get
from tests.waiting import DEADLINE

LOCAL = "ip:127.0.0.1"


def _calls(api, n, path="/api/v1/me", **extra):
    return [api.get(path, **extra) for _ in range(n)]


def _away_from_window_edges(*keys: str, margin: float = 8, period: int = 60) -> None:
    """Wait until no key's fixed window of `period` seconds ends within `margin`.

    django-ratelimit counts in fixed windows (each key's edge offset by a hash of
    the key); a count that straddled an edge would restart at 0 and the test flake.
    """
    while True:
        now = time.time()
        soonest = min(_get_window(key, period) - now for key in keys)
        if soonest > margin:
            return
        time.sleep(max(soonest, 0) + 0.5)


def test_the_51st_request_in_a_minute_answers_429_with_retry_after(api, alice):
    assert settings.API_RATE_LIMIT == "50/m"
    _away_from_window_edges(LOCAL, f"user:{alice.pk}")
    api.force_login(alice)
    responses = _calls(api, 51)
    assert {r.status_code for r in responses[:50]} == {200}
    limited = responses[50]
    assert limited.status_code == 429
    assert limited.json() == {"detail": "Too many requests."}
    assert int(limited["Retry-After"]) in range(1, 61)


def test_anonymous_callers_are_limited_per_ip(api):
    _away_from_window_edges(LOCAL)
    responses = _calls(api, 51)
    assert {r.status_code for r in responses[:50]} == {401}
    assert responses[50].status_code == 429


def test_a_signed_in_user_is_limited_across_addresses(api, alice):
    _away_from_window_edges(f"user:{alice.pk}")
    api.force_login(alice)
    first = _calls(api, 25, REMOTE_ADDR="10.0.0.1")
    second = _calls(api, 25, REMOTE_ADDR="10.0.0.2")
    assert {r.status_code for r in first + second} == {200}
    assert api.get("/api/v1/me", REMOTE_ADDR="10.0.0.3").status_code == 429


def test_each_route_has_its_own_budget(api, alice):
    _away_from_window_edges(LOCAL, f"user:{alice.pk}")
    api.force_login(alice)
    _calls(api, 50)
    assert api.get("/api/v1/me").status_code == 429
    assert api.get("/api/v1/me/permissions").status_code == 200


def test_x_forwarded_for_is_ignored_without_trusted_proxies(api):
    assert settings.TRUSTED_PROXY_COUNT == 0
    _away_from_window_edges(LOCAL)
    for n in range(50):
        api.get("/api/v1/me", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    response = api.get("/api/v1/me", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 429


def test_behind_one_trusted_proxy_each_forwarded_client_has_its_own_budget(
    api, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    _away_from_window_edges("ip:203.0.113.1")
    for _ in range(50):
        api.get("/api/v1/me", HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert api.get("/api/v1/me", HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 429
    # A forged left-most entry does not escape: the proxy appended the real address.
    forged = api.get("/api/v1/me", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.1")
    assert forged.status_code == 429
    assert api.get("/api/v1/me", HTTP_X_FORWARDED_FOR="203.0.113.2").status_code == 401


def test_the_limit_comes_from_the_setting(api, settings):
    settings.API_RATE_LIMIT = "3/m"
    _away_from_window_edges(LOCAL, margin=2)
    statuses = [r.status_code for r in _calls(api, 4)]
    assert statuses == [401, 401, 401, 429]


@pytest.mark.redis
def test_two_server_processes_share_one_count(transactional_db):
    """With REDIS_URL, two daphne workers count into the same Redis keys.

    50 a day rather than a minute: on a busy machine the 51 requests through two
    child servers can take longer than a minute, and a count that crosses its
    window's edge starts again at 0."""
    limit = {"API_RATE_LIMIT": "50/d"}
    with live_server(**limit) as first, live_server(**limit) as second:
        _away_from_window_edges(LOCAL, margin=2 * DEADLINE, period=24 * 3600)
        statuses = [get(first + "/api/v1/me")[0] for _ in range(30)]
        statuses += [get(second + "/api/v1/me")[0] for _ in range(20)]
        assert set(statuses) == {401}
        status, body, headers = get(second + "/api/v1/me")
        assert status == 429, body
        assert int(headers["Retry-After"]) >= 1
        assert get(first + "/api/v1/me")[0] == 429
