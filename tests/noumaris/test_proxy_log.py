"""The proxy's access log (deploy/nginx.conf.template) holds no credential: an
invitation link's token and a socket's `?ticket=` never reach it."""

import asyncio
import contextlib
import re

import httpx
import pytest
import websockets

from tests.browser import live_server_env
from tests.factories import InvitationFactory
from tests.live import daphne, gunicorn, nginx
from tests.waiting import DEADLINE

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

TOKEN = "proxy-log-invitation-token-0001"
TICKET = "proxy-log-socket-ticket-0001"


async def _knock(base: str) -> None:
    url = base.replace("http://", "ws://") + f"/ws/transcribe/?ticket={TICKET}"
    with contextlib.suppress(websockets.WebSocketException):
        async with websockets.connect(url, origin=base) as socket:
            await asyncio.wait_for(socket.recv(), 10)


def test_the_access_log_masks_invitation_tokens_and_drops_query_strings(
    tmp_path, demo_hospital, admin
):
    InvitationFactory(institution=demo_hospital, invited_by=admin, token=TOKEN)
    log = tmp_path / "access.log"
    env = live_server_env(TRUSTED_PROXY_COUNT="1")
    with (
        daphne(env) as ws,
        gunicorn(env) as web,
        nginx(
            web=web.removeprefix("http://"),
            ws=ws.removeprefix("http://"),
            access_log=log,
        ) as base,
        httpx.Client(base_url=base, timeout=DEADLINE) as client,
    ):
        page = client.get(f"/invite/{TOKEN}")
        assert page.status_code == 200, page.text
        api = client.get(f"/api/v1/invitations/{TOKEN}")
        assert api.status_code == 200, api.text
        client.post(f"/api/v1/invitations/{TOKEN}/accept", json={})
        client.get(
            "/health?search=" + TOKEN,
            headers={"Referer": f"{base}/invite/{TOKEN}?from=mail"},
        )
        asyncio.run(_knock(base))

    text = log.read_text()
    assert TOKEN not in text, text
    assert TICKET not in text, text
    assert '"GET /invite/- HTTP/1.1" 200' in text, text
    assert '"GET /api/v1/invitations/- HTTP/1.1" 200' in text, text
    assert '"POST /api/v1/invitations/-/accept HTTP/1.1"' in text, text
    assert re.search(rf'"GET /health HTTP/1.1" 200 \d+ "{base}/invite/-"', text), text
    assert '"GET /ws/transcribe/ HTTP/1.1"' in text, text
