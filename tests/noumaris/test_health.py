import json

import pytest
from django.db import connection

from tests.browser import live_server, live_server_env
from tests.fakes.tcp_proxy import TcpProxy
from tests.live import daphne, get, gunicorn
from tests.noumaris.subprocess_env import clean_env
from tests.waiting import eventually


def test_liveness_touches_no_dependency(client, settings):
    # No database access is allowed in this test (no django_db mark), and Redis points
    # nowhere: either would fail if /health touched it.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_reports_the_database(client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_readiness_is_503_naming_redis_when_it_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "down"}
    assert "redis" in response.json()["detail"]


@pytest.mark.redis
@pytest.mark.django_db
def test_readiness_checks_the_configured_redis(client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "ok"


# These servers test the database check alone: with tasks run in place there is no
# queue, so no worker to wait for (tests/noumaris/test_worker.py tests that check).
NO_QUEUE = "immediate"


def _ready(base: str) -> tuple[int, dict]:
    status, body, _ = get(base + "/health/ready")
    return status, json.loads(body)


def _eventually(base: str, want: int) -> dict:
    answers = []
    eventually(lambda: answers.append(_ready(base)) or answers[-1][0] == want)
    status, body = answers[-1]
    assert status == want, body
    return body


@pytest.mark.django_db
def test_readiness_fails_while_the_database_is_unreachable_and_heals_after(tmp_path):
    """The same server process: up, database cut (503), database back (200)."""
    if connection.vendor == "postgresql":
        params = connection.settings_dict
        proxy = TcpProxy(params["HOST"] or "127.0.0.1", int(params["PORT"] or 5432))
        proxy.start()
        user = params["USER"] or "postgres"
        url = f"postgres://{user}@127.0.0.1:{proxy.port}/{params['NAME']}"
        env = clean_env(DJANGO_DEBUG="1", DATABASE_URL=url, TASKS_BACKEND=NO_QUEUE)
        with daphne(env) as base:
            assert _ready(base)[0] == 200
            proxy.stop()
            body = _eventually(base, 503)
            assert body["checks"]["database"] == "down"
            proxy.start()
            assert _eventually(base, 200)["checks"]["database"] == "ok"
    else:
        folder = tmp_path / "not-yet"
        url = f"sqlite:///{folder / 'db.sqlite3'}"
        env = clean_env(DJANGO_DEBUG="1", DATABASE_URL=url, TASKS_BACKEND=NO_QUEUE)
        with daphne(env) as base:
            body = _eventually(base, 503)
            assert body["checks"]["database"] == "down"
            folder.mkdir()
            assert _eventually(base, 200)["checks"]["database"] == "ok"


def test_probes_answer_by_address_whatever_the_allowed_hosts(client, settings):
    """Docker's HEALTHCHECK calls http://127.0.0.1:8000/health while production
    allows only its own name; the probe must answer, and every page still refuses
    a host it does not know."""
    settings.ALLOWED_HOSTS = ["noumaris.example.org"]
    response = client.get("/health", headers={"Host": "10.0.0.5:8000"})
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert client.get("/login", headers={"Host": "10.0.0.5:8000"}).status_code == 400
    assert client.post("/health", headers={"Host": "10.0.0.5:8000"}).status_code == 405


@pytest.mark.django_db
def test_readiness_answers_by_address_too(client, settings):
    settings.ALLOWED_HOSTS = ["noumaris.example.org"]
    response = client.get("/health/ready", headers={"Host": "127.0.0.1:8000"})
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_the_docker_health_check_passes_with_a_production_host_list():
    """What the image's HEALTHCHECK does: curl the loopback address of a server that
    allows only its public name (gunicorn, the image's default command)."""
    env = live_server_env(DJANGO_ALLOWED_HOSTS="noumaris.example.org")
    with gunicorn(env) as base:
        status, body, _ = get(base + "/health")
        assert status == 200, body
        assert get(base + "/login")[0] == 400


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_probe_that_meets_a_dropped_connection_sweeps_the_pool():
    """PostgreSQL drops every connection (a failover, a restart): the first readiness
    probe meets a dead one and answers 503, and tests the pool's other idle ones at
    once, so the very next probe (and the requests after it) get live connections
    rather than the next dead one."""
    from tests.transcription.faults import take_test_database_away

    connection.ensure_connection()
    ours = connection.connection.info.backend_pid
    env = {"DATABASE_POOL_MIN": "3", "TASKS_BACKEND": NO_QUEUE}
    with live_server(**env) as base:
        assert _ready(base)[0] == 200  # the pool opens: three connections

        def server_connections() -> int:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> %s",
                    [ours],
                )
                return cursor.fetchone()[0]

        eventually(lambda: server_connections() >= 3)
        take_test_database_away(ours, 0.2)
        status, body = _ready(base)
        assert (status, body["checks"]["database"]) == (503, "down")
        status, body = _ready(base)
        assert (status, body["checks"]["database"]) == (200, "ok")
