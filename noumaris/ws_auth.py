"""Who is on a WebSocket: the browser's session cookie, read once at the handshake.

Channels' `AuthMiddlewareStack` does the same, and also wraps every message the
consumer sends, to save a changed session. Our sockets never change the session, and
a recording sends ten messages a second, so this reads it and wraps nothing.
"""

from channels.auth import get_user
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie
from django.utils.module_loading import import_string


class SessionUserMiddleware:
    """Sets `scope["user"]` from the session cookie (anonymous without one)."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        scope = dict(scope)
        scope["user"] = await _user(scope)
        return await self.inner(scope, receive, send)


async def _user(scope):
    cookies = {}
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            cookies = parse_cookie(value.decode("latin-1"))
            break
    session_key = cookies.get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        return AnonymousUser()
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    # channels.auth.get_user: the session's user, if its auth hash still holds.
    return await get_user({"session": store(session_key)})
