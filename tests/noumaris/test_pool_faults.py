"""The database pool after PostgreSQL drops its connections, and while it is down:
the WSGI server as production runs it, on the test database."""

import concurrent.futures
import json
import time

import pytest
from django.conf import settings
from django.db import connection

from tests.browser import live_server_env
from tests.fakes.tcp_proxy import TcpProxy
from tests.live import get, gunicorn
from tests.waiting import eventually

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 4
POOL_WAIT = 10  # seconds: DATABASE_POOL_TIMEOUT's default, and as these tests set it
SERVER = "noumaris-pool-fault-test"  # the server's connections, by libpq's PGAPPNAME


def _cookie(client, user) -> dict:
    client.force_login(user)
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}


def _env(**overrides: str) -> dict[str, str]:
    """The server shares our secret key, so that it reads our signed-in session."""
    return live_server_env(
        DJANGO_SECRET_KEY=settings.SECRET_KEY, PGAPPNAME=SERVER, **overrides
    )


def _fill_the_pool(base: str, headers: dict) -> None:
    """As many requests at once as the server has threads: a connection each."""
    with concurrent.futures.ThreadPoolExecutor(THREADS * 2) as pool:
        statuses = list(
            pool.map(lambda _: get(base + "/api/v1/me", headers)[0], range(16))
        )
    assert statuses == [200] * 16


def _drop_the_servers_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            # This test's server only: another pytest-xdist worker's server of this
            # module has the same name, on its own test database.
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = current_database()",
            [SERVER],
        )
        return cursor.fetchone()[0]


def _timed(url: str, headers: dict) -> tuple[float, int, bytes, dict]:
    started = time.monotonic()
    status, body, response_headers = get(url, headers)
    return time.monotonic() - started, status, body, response_headers


def test_a_dropped_pool_heals_at_once(client, admin):
    headers = _cookie(client, admin)
    env = _env(WEB_THREADS=str(THREADS), DATABASE_POOL_TIMEOUT=str(POOL_WAIT))
    with gunicorn(env) as base:
        _fill_the_pool(base, headers)
        assert _drop_the_servers_connections() >= 2
        seconds, status, body, response_headers = _timed(base + "/api/v1/me", headers)
        # The request that meets a dead connection answers at once: 200 if it got
        # a live one, else the 503 envelope, never a stall (the pool's wait is 10 s
        # here; half of it is room for a busy machine) or an HTML 500.
        assert seconds < POOL_WAIT / 2, seconds
        assert status in (200, 503), body
        assert response_headers["Content-Type"] == "application/json"
        if status == 503:
            assert json.loads(body) == {"detail": "Service unavailable."}
        # ...and it swept the pool: every request after it is served.
        for _ in range(THREADS * 2):
            seconds, status, body, _ = _timed(base + "/api/v1/me", headers)
            assert (status, seconds < POOL_WAIT / 2) == (200, True), (status, seconds)


def test_a_page_that_meets_a_dropped_pool_answers_503_not_500(client, admin):
    headers = _cookie(client, admin)
    with gunicorn(_env(WEB_THREADS="1")) as base:
        assert get(base + "/", headers)[0] == 200
        _drop_the_servers_connections()
        seconds, status, body, _ = _timed(base + "/", headers)
        assert seconds < POOL_WAIT / 2 and status in (200, 503), (seconds, status)
        assert get(base + "/", headers)[0] == 200


def test_a_database_that_is_down_answers_the_503_envelope_within_the_timeout(
    client, admin
):
    headers = _cookie(client, admin)
    params = connection.settings_dict
    proxy = TcpProxy(params["HOST"] or "127.0.0.1", int(params["PORT"] or 5432))
    proxy.start()
    url = (
        f"postgres://{params['USER'] or 'postgres'}@127.0.0.1:{proxy.port}"
        f"/{params['NAME']}"
    )
    env = _env(DATABASE_URL=url, DATABASE_POOL_TIMEOUT="3")
    with gunicorn(env) as base:
        assert get(base + "/api/v1/me", headers)[0] == 200
        proxy.stop()
        for _ in range(2):  # the first meets the dead connection, the next waits
            seconds, status, body, response_headers = _timed(
                base + "/api/v1/me", headers
            )
            assert status == 503, body
            assert json.loads(body) == {"detail": "Service unavailable."}
            assert response_headers["Content-Type"] == "application/json"
            assert seconds < 3 + 2, seconds
        proxy.start()
        healed = eventually(lambda: get(base + "/api/v1/me", headers)[0] == 200)
        assert healed, "the pool did not heal"
