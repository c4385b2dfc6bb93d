"""Readiness checks of the dependencies this process needs."""

import logging

import redis
from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)


def database_is_up(alias: str = "default") -> bool:
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure means "down"
        logger.warning("readiness: database %s is unreachable", alias)
        connection.close_if_unusable_or_obsolete()
        return False
    return True


def redis_is_up(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        logger.warning("readiness: redis is unreachable")
        return False
    finally:
        client.close()


def worker_is_up() -> bool:
    """A task worker beat within WORKER_DEAD_AFTER seconds: queued work will run."""
    from noumaris.jobs.services import workers_alive_count

    try:
        return workers_alive_count() > 0
    except Exception:  # noqa: BLE001 - the database check reports why
        return False


def readiness() -> dict[str, str]:
    """Return each dependency's state, "ok" or "down"."""
    checks = {"database": "ok" if database_is_up() else "down"}
    if settings.REDIS_URL:
        checks["redis"] = "ok" if redis_is_up(settings.REDIS_URL) else "down"
    if settings.TASKS_BACKEND == "database":
        # A queue with no live worker is a failed readiness (DESIGN 'Background jobs').
        checks["worker"] = "ok" if worker_is_up() else "down"
    return checks
