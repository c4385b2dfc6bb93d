"""What the stock PostgreSQL backend is configured to do, and the shared Redis pool."""

import threading

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_connections_come_from_psycopgs_pool():
    assert connection.pool is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert connection.pool.get_stats()["pool_size"] >= 1


@pytest.mark.postgres
def test_a_query_run_again_is_prepared_on_the_server(django_user_model):
    """Parameters bound by the server, and a query's plan kept once it has run
    `prepare_threshold` times on the connection."""
    threshold = connection.settings_dict["OPTIONS"]["prepare_threshold"]
    assert threshold
    for n in range(threshold + 1):
        django_user_model.objects.filter(username=f"nobody-{n}").exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements "
            "WHERE statement LIKE %s AND statement LIKE %s",
            ["%accounts_user%", "%username%"],
        )
        assert cursor.fetchone()[0] == 1


@pytest.mark.redis
def test_threads_share_the_process_s_redis_connections():
    """Each thread (a WSGI server's, daphne's requests) gets a cache object of its
    own; they share one connection pool (noumaris.common.cache.SharedConnectionPool)."""
    server = redis.Redis.from_url(settings.REDIS_URL)
    opened = server.info("stats")["total_connections_received"]

    def use_the_cache():
        caches["default"].get("anything")

    for _ in range(5):
        thread = threading.Thread(target=use_the_cache)
        thread.start()
        thread.join()
    assert server.info("stats")["total_connections_received"] - opened <= 1
    server.close()
