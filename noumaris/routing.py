"""WebSocket routes. Each app that serves a socket adds its patterns here;
`websocket_application` is what `noumaris.asgi` serves for the `websocket` type."""

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from channels.routing import URLRouter
from django.db import connections
from django.urls import path

from noumaris.ws_auth import TicketOrCookieAuth
from transcription.consumers import TranscribeConsumer

websocket_urlpatterns: list = [
    path("ws/transcribe/", TranscribeConsumer.as_asgi()),
]


class ThreadPerSocket:
    """Each socket's synchronous work (sign-in, `database_sync_to_async`) on a
    thread of its own, in asgiref's `ThreadSensitiveContext` as Django's ASGI handler
    gives each request one: otherwise every socket of the process queues on one
    thread, and one socket's opening or stop holds up the others' database work.

    When the socket ends, its thread's database connections are closed on that
    thread (back to the pool), as Django's `request_finished` closes a request's:
    a connection left open there would stay checked out of the pool for good, and
    after DATABASE_POOL_MAX such sockets no request would get one.

    Measured without it (issue 29; `bench/ws.py`'s load, 100 sessions for 20 s, on 2
    cores at load 6-12): every socket's thread-sensitive work on asgiref's one thread
    (the consumer's services there too, or on the loop's executor) cost the same CPU
    per frame within the noise (0.89-1.11 ms against 0.90-1.22 ms), but every frame's
    `aclose_old_connections` (Channels' dispatch) then queued on that one thread:
    p50 7.2-11.4 s against 0.5-2.3 s with a thread per socket."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        async with ThreadSensitiveContext():
            try:
                return await self.inner(scope, receive, send)
            finally:
                await sync_to_async(connections.close_all)()


websocket_application = ThreadPerSocket(
    TicketOrCookieAuth(URLRouter(websocket_urlpatterns))
)
