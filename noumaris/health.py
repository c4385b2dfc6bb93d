"""Health: liveness and readiness, as routes and as a probe answered before the host
check. Readiness checks the dependencies this process needs."""

import logging

import redis
from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from noumaris.common.db import pool_sweep

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
        # The connection it met may be one of several the database dropped (a
        # restart, a failover): test the pool's idle ones now, as a request that
        # meets a database error does, so the requests after the probe get live ones.
        pool_sweep(alias)
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
    from noumaris.common.jobs.services import workers_alive_count

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


@never_cache
@require_GET
def health(request):
    """Liveness: answers without touching any dependency."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def health_ready(request):
    """Readiness: the database and, when configured, Redis; 503 naming what is down."""
    checks = readiness()
    down = [name for name, state in checks.items() if state != "ok"]
    if down:
        return JsonResponse(
            {
                "status": "unavailable",
                "detail": f"Unavailable: {', '.join(down)}",
                "checks": checks,
            },
            status=503,
        )
    return JsonResponse({"status": "ok", "checks": checks})


class HealthProbeMiddleware:
    """Answer `/health` and `/health/ready` whatever the Host header says.

    Probes (the Docker image's HEALTHCHECK, a load balancer, Kubernetes) call the
    server by its address, not by a name in DJANGO_ALLOWED_HOSTS, and the host check
    of the middleware after this one would answer them 400: a healthy server marked
    down. The probes read nothing of the request but its method, so nothing that
    depends on the host is skipped. Every other path keeps the host check.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.probes = {"/health": health, "/health/ready": health_ready}

    def __call__(self, request):
        probe = self.probes.get(request.path_info)
        return self.get_response(request) if probe is None else probe(request)
