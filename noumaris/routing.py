"""WebSocket routes. Each app that serves a socket adds its patterns here."""

from django.urls import path

from transcription.consumers import TranscribeConsumer

websocket_urlpatterns: list = [
    path("ws/transcribe/", TranscribeConsumer.as_asgi()),
]
