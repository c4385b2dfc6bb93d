"""The HTTP side of `noumaris.asgi.application`: Django's ASGI handler, with the
synchronous middleware chain and view run in one crossing into a thread."""

import asyncio
import json
import threading

import pytest
import redis
from asgiref import sync
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.signals import request_started

from noumaris.asgi import application
from noumaris.handlers import SyncChainASGIHandler


def _scope(path: str, method: str = "GET", headers=()) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }


async def _call(app, scope, body: bytes = b"") -> tuple[int, dict, bytes]:
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input(
        {"type": "http.request", "body": body, "more_body": False}
    )
    start = await communicator.receive_output(10)
    content = b""
    while True:
        message = await communicator.receive_output(10)
        content += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(10)
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, content


class _Crossings:
    """Counts the calls that move work between the event loop and a thread, both
    ways (asgiref's adapters, which Django's handler uses for every crossing)."""

    def __init__(self, monkeypatch):
        self.threads: list[str] = []
        self.loop: list[str] = []
        to_thread, to_loop = sync.SyncToAsync.__call__, sync.AsyncToSync.__call__
        crossings = self

        async def counted_to_thread(self, *args, **kwargs):
            crossings.threads.append(_name(self.func))
            return await to_thread(self, *args, **kwargs)

        def counted_to_loop(self, *args, **kwargs):
            crossings.loop.append(_name(self.awaitable))
            return to_loop(self, *args, **kwargs)

        monkeypatch.setattr(sync.SyncToAsync, "__call__", counted_to_thread)
        monkeypatch.setattr(sync.AsyncToSync, "__call__", counted_to_loop)


def _name(func) -> str:
    return getattr(func, "__qualname__", repr(func))


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_request_crosses_into_a_thread_once_for_the_whole_chain(monkeypatch):
    crossings = _Crossings(monkeypatch)
    status, headers, content = await _call(application, _scope("/login"))
    assert status == 200
    assert b'name="password"' in content
    # The chain really ran: the first middleware's header, the CSP middleware's.
    assert len(headers["x-request-id"]) == 32
    assert "content-security-policy" in headers
    chain = [name for name in crossings.threads if name.endswith("get_response")]
    assert chain == ["BaseHandler.get_response"]
    # Besides the chain: the request_started and request_finished signals.
    assert len(crossings.threads) <= 3, crossings.threads
    assert crossings.loop == []


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_django_s_own_handler_crossed_once_per_middleware_step(monkeypatch):
    """What the handler saves: the stock one, same request, same chain."""
    crossings = _Crossings(monkeypatch)
    status, _, _ = await _call(ASGIHandler(), _scope("/login"))
    assert status == 200
    assert len(crossings.threads) + len(crossings.loop) > 8, crossings.__dict__


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_errors_and_bodies_pass_through_the_one_hop_handler():
    status, headers, content = await _call(application, _scope("/api/v1/me"))
    assert status == 401
    assert headers["content-type"] == "application/json"
    assert "detail" in json.loads(content)
    status, _, content = await _call(
        application,
        _scope(
            "/api/v1/invitations/not-a-token/accept",
            method="POST",
            headers=[
                (b"content-type", b"application/json"),
                (b"content-length", b"10"),
            ],
        ),
        body=b'{"token": ',
    )
    assert status == 400, content
    assert "detail" in json.loads(content)


@pytest.mark.redis
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_requests_share_the_process_s_redis_connections():
    """Each ASGI request gets a cache object of its own; they share one pool."""
    server = redis.Redis.from_url(settings.REDIS_URL)
    opened = server.info("stats")["total_connections_received"]
    for _ in range(5):  # rate-limited: each counts in the cache
        status, _, _ = await _call(application, _scope("/api/v1/me"))
        assert status == 401
    assert server.info("stats")["total_connections_received"] - opened <= 1
    server.close()


class _RequestThreads:
    """The thread each request's `request_started` ran on (the objects are kept, so
    a thread that ended cannot pass for a new one)."""

    def __init__(self):
        self.threads: list[threading.Thread] = []
        request_started.connect(self.record)

    def record(self, **kwargs):
        self.threads.append(threading.current_thread())

    def close(self):
        request_started.disconnect(self.record)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_requests_reuse_their_threads():
    """Django's handler starts (and joins) a thread per request; ours keeps them."""
    for handler, distinct in ((SyncChainASGIHandler(), 1), (ASGIHandler(), 4)):
        threads = _RequestThreads()
        try:
            for _ in range(4):
                status, _, _ = await _call(handler, _scope("/login"))
                assert status == 200
        finally:
            threads.close()
        assert len(set(threads.threads)) == distinct, threads.threads


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_concurrent_requests_get_threads_of_their_own_and_few_are_kept():
    handler = SyncChainASGIHandler()
    handler.IDLE_THREADS = 2
    threads = _RequestThreads()
    try:
        results = await asyncio.gather(
            *(_call(handler, _scope("/login")) for _ in range(4))
        )
    finally:
        threads.close()
    assert [status for status, _, _ in results] == [200] * 4
    assert len(set(threads.threads)) == 4, threads.threads
    assert len(handler._idle) == 2


def test_the_server_s_startup_objects_are_out_of_the_collector_s_walks():
    """noumaris.asgi (imported above, as daphne imports it) froze what it built:
    the URLconf's views among it."""
    import gc
    import sys

    assert gc.get_freeze_count() > 10_000
    assert "institutions.api.institution_admin" in sys.modules
