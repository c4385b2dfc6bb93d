"""Who is on a WebSocket.

A browser signs in with its session cookie, read by Channels' stock
`AuthMiddlewareStack` behind `AllowedHostsOriginValidator` (a cookie is an ambient
credential, so another site's page must not be able to use it). An integrator signs
in with `?ticket=` (DESIGN 'Live transcription WebSocket'): a single-use secret it
fetched with its own bearer token, which no other site can hold, so that handshake
needs no `Origin` (a plain `websockets` client sends none) and reads no cookie.
"""

from urllib.parse import parse_qs, urlparse

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.middleware import BaseMiddleware
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.auth.models import AnonymousUser


def ticket_of(scope) -> str | None:
    """The `ticket` query parameter of a handshake, if it names one."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    tickets = query.get("ticket")
    return tickets[0] if tickets else None


class TicketAuthMiddleware(BaseMiddleware):
    """Sets `scope["user"]` from a `?ticket=` (spent here), else anonymous."""

    async def __call__(self, scope, receive, send):
        from transcription.services.sockets import ticket_redeem

        user = await database_sync_to_async(ticket_redeem)(token=ticket_of(scope))
        scope = dict(scope, user=user or AnonymousUser(), ws_ticket=True)
        return await super().__call__(scope, receive, send)


class OriginRefused(AsyncWebsocketConsumer):
    """Channels' `WebsocketDenier` without a channel layer: it only refuses, so it
    waits on no Redis channel (whose read, cut short by the close, was logged as
    "Timeout reading from Redis" for every refused handshake)."""

    channel_layer_alias = None

    async def connect(self):
        await self.close()


class TicketOrCookieAuth:
    """A handshake with `?ticket=` signs in by the ticket alone; any other by the
    session cookie, from an allowed Origin only (Channels' AllowedHostsOriginValidator
    decides which)."""

    def __init__(self, inner):
        self.ticket = TicketAuthMiddleware(inner)
        self.cookie = AuthMiddlewareStack(inner)
        self.origins = AllowedHostsOriginValidator(self.cookie)

    async def __call__(self, scope, receive, send):
        if ticket_of(scope) is not None:
            return await self.ticket(scope, receive, send)
        if not self.origins.valid_origin(_origin(scope)):
            return await OriginRefused()(scope, receive, send)
        return await self.cookie(scope, receive, send)


def _origin(scope):
    """The handshake's Origin header, parsed as OriginValidator parses it."""
    for name, value in scope.get("headers", []):
        if name == b"origin":
            return urlparse(value.decode("latin-1"))
    return None
