"""WebSocket routes. Each app that serves a socket adds its patterns here;
`websocket_application` is what `noumaris.asgi` serves for the `websocket` type."""

from channels.routing import URLRouter
from django.urls import path

from noumaris.ws_auth import TicketOrCookieAuth
from transcription.consumers import TranscribeConsumer

websocket_urlpatterns: list = [
    path("ws/transcribe/", TranscribeConsumer.as_asgi()),
]

websocket_application = TicketOrCookieAuth(URLRouter(websocket_urlpatterns))
