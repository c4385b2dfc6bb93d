"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

import django

from noumaris.env import exit_on_bad_configuration

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noumaris.settings")


def _http_application():
    """What `get_asgi_application()` does, with the one-hop handler."""
    django.setup(set_prefix=False)
    from noumaris.handlers import SyncChainASGIHandler

    return SyncChainASGIHandler()


django_asgi_app = exit_on_bad_configuration(_http_application)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from noumaris.routing import websocket_urlpatterns  # noqa: E402
from noumaris.ws_auth import SessionUserMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            SessionUserMiddleware(URLRouter(websocket_urlpatterns))
        ),
    }
)
