"""Who is on a WebSocket.

A browser signs in with its session cookie, read by Channels' stock
`AuthMiddlewareStack` behind `AllowedHostsOriginValidator` (a cookie is an ambient
credential, so another site's page must not be able to use it). An integrator signs
in with `?ticket=` (DESIGN 'Live transcription WebSocket'): a single-use secret it
fetched with its own bearer token, which no other site can hold, so that handshake
needs no `Origin` (a plain `websockets` client sends none) and reads no cookie.
"""

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
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


class TicketOrCookieAuth:
    """A handshake with `?ticket=` signs in by the ticket alone; any other by the
    session cookie, from an allowed Origin only."""

    def __init__(self, inner):
        self.ticket = TicketAuthMiddleware(inner)
        self.cookie = AllowedHostsOriginValidator(AuthMiddlewareStack(inner))

    async def __call__(self, scope, receive, send):
        if ticket_of(scope) is not None:
            return await self.ticket(scope, receive, send)
        return await self.cookie(scope, receive, send)
