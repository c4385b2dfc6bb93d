"""ASGI entry point (daphne): HTTP through Django's own handler, WebSockets through
Channels. In production the HTTP routes are the WSGI server's (`noumaris.wsgi`) and
daphne serves `/ws/` only; `make run` serves both from here."""

import os

from django.core.asgi import get_asgi_application

from noumaris.common.env import exit_on_bad_configuration

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noumaris.settings")

# Before anything imports a model: it sets Django up.
django_asgi_app = exit_on_bad_configuration(get_asgi_application)

from channels.routing import ProtocolTypeRouter  # noqa: E402

from noumaris.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": websocket_application,
    }
)
