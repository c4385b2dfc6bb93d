"""bench/api.py's servers: the app plus a constant DRF view, served as production
serves it, by one WSGI server or (`--topology two`) by two gunicorn processes behind
the repository's nginx (deploy/nginx.conf.template), as `docker compose up
--scale web=2` runs them."""

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.live import (
    ROOT,
    daphne,
    free_port,
    gunicorn,
    nginx,
    serve,
    started_together,
)

SETTINGS = '''"""bench/api.py only: the app's settings plus a constant DRF view."""
from noumaris.settings import *  # noqa: F403
ROOT_URLCONF = "noumaris_bench_api_urls"
'''
URLS = '''"""bench/api.py only: the app's routes plus the constant view."""
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from noumaris.common.api import Api
from noumaris.urls import urlpatterns as app_urlpatterns


class ConstantApi(Api):
    class OutputSerializer(serializers.Serializer):
        ok = serializers.BooleanField()

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        return self.output(self.OutputSerializer, {"ok": True})


urlpatterns = [path("bench/constant", ConstantApi.as_view()), *app_urlpatterns]
'''
GRANIAN_APP = "noumaris.wsgi:application"


def server_env(environ: dict, *, extra: str, workers: int, threads: int) -> dict:
    """The servers' environment: production-like (no DEBUG), the bench's settings
    module on the path, rate limits counted but never refusing."""
    env = {
        k: v
        for k, v in environ.items()
        if not k.startswith(("DJANGO_", "PYTEST", "REQUIRE_SERVICES"))
    }
    env.update(
        PYTHONPATH=f"{extra}{os.pathsep}{ROOT}",
        DJANGO_SETTINGS_MODULE="noumaris_bench_api_settings",
        DJANGO_SECRET_KEY=environ["DJANGO_SECRET_KEY"],
        DJANGO_HTTPS="0",
        DJANGO_STATIC_MANIFEST="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        FIELD_ENCRYPTION_KEYS="bm91bWFyaXMtZGV2LWtleS1ub3Qtc2VjcmV0LTAwMDA=",
        API_RATE_LIMIT="10000000/m",
        # A production-like server needs EMAIL_URL; the bench sends none.
        EMAIL_URL=f"file://{tempfile.gettempdir()}/noumaris-bench-mail",
        LOG_LEVEL="WARNING",
        # No drafting here: each process's preload of the drafter's libraries
        # (about 5 CPU-seconds, in a thread at start-up) would fall in the first
        # measured rounds.
        NOTE_PRELOAD="0",
        WEB_WORKERS=str(workers),
        WEB_THREADS=str(threads),
    )
    return env


@contextlib.contextmanager
def serving(
    environ: dict, *, server: str, topology: str, workers: int, threads: int
) -> Iterator[str]:
    """The app served as asked until the block ends; yields the clients' base URL."""
    with tempfile.TemporaryDirectory() as extra:
        Path(extra, "noumaris_bench_api_settings.py").write_text(SETTINGS)
        Path(extra, "noumaris_bench_api_urls.py").write_text(URLS)
        env = server_env(environ, extra=extra, workers=workers, threads=threads)
        if topology == "two":
            env["TRUSTED_PROXY_COUNT"] = "1"  # the client's address from nginx
            with contextlib.ExitStack() as stack:
                # Both start at once (each waits for its /health) and stop at once.
                bases = started_together(stack, gunicorn(env), gunicorn(env))
                webs = [base.removeprefix("http://") for base in bases]
                # No /ws/ in this bench: the first server stands in for daphne.
                yield stack.enter_context(nginx(web=webs, ws=webs[0]))
        elif server == "gunicorn":
            with gunicorn(env) as base:
                yield base
        elif server == "daphne":
            with daphne(env) as base:
                yield base
        else:
            port = free_port()
            command = ["-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1"]
            command += ["--port", str(port), "--workers", str(workers)]
            command += ["--blocking-threads", str(threads), GRANIAN_APP]
            with serve(command, env, port=port) as base:
                yield base


def describe(*, server: str, topology: str, workers: int, threads: int) -> str:
    """The servers, in words, for the report's heading."""
    if topology == "two":
        return (
            f"two gunicorn processes of {workers} worker(s) of {threads} threads"
            " behind nginx"
        )
    if server == "daphne":
        return "one daphne process"
    return f"{server}, {workers} worker(s) of {threads} threads"
