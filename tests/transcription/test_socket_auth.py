"""Authentication of the socket through the whole ASGI application."""

import datetime as dt

import pytest
from channels.db import database_sync_to_async
from django.http import HttpRequest
from django.test import Client

from noumaris.routing import websocket_application as application
from tests.transcription.conftest import (
    Communicator,
    expect_close,
    receive,
    send,
    start_message,
)
from tests.waiting import DEADLINE
from transcription.models import TranscriptionTicket
from transcription.services.sockets import ticket_issue

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://localhost")


def app_socket(path: str, headers=()) -> Communicator:
    return Communicator(application, path, headers=[ORIGIN, *headers])


async def test_the_browser_session_cookie_signs_the_socket_in(
    resident, password, fake_deepgram
):
    client = Client()
    await database_sync_to_async(client.login)(
        request=HttpRequest(), username="resident", password=password
    )
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    ws = app_socket("/ws/transcribe/", [(b"cookie", cookie)])
    assert (await ws.connect())[0]
    await send(ws, start_message())
    assert (await receive(ws))["type"] == "ready"
    await ws.disconnect()


@pytest.mark.parametrize("case", ["no cookie", "unknown session", "password changed"])
async def test_a_socket_without_a_valid_session_is_refused_4401(
    case, resident, password
):
    client = Client()
    await database_sync_to_async(client.login)(
        request=HttpRequest(), username="resident", password=password
    )
    headers = []
    if case == "unknown session":
        headers = [(b"cookie", b"sessionid=not-a-session-we-know; other=1")]
    elif case == "password changed":  # the session's auth hash no longer holds
        resident.set_password("a-new-password-123")
        await database_sync_to_async(resident.save)()
        cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
        headers = [(b"cookie", cookie)]
    ws = app_socket("/ws/transcribe/", headers)
    assert (await ws.connect())[0]
    assert (await receive(ws))["code"] == "unauthenticated"
    await expect_close(ws, 4401)
    await ws.disconnect()


async def test_a_socket_from_another_site_is_refused(resident):
    ws = Communicator(
        application, "/ws/transcribe/", headers=[(b"origin", b"https://evil.example")]
    )
    connected, _ = await ws.connect()
    assert not connected
    await ws.disconnect()


async def test_a_ticket_signs_in_once(resident, fake_deepgram):
    token, _ = await database_sync_to_async(ticket_issue)(user=resident)
    ws = app_socket(f"/ws/transcribe/?ticket={token}")
    await ws.connect()
    await send(ws, start_message())
    assert (await receive(ws))["type"] == "ready"
    await ws.disconnect()

    again = app_socket(f"/ws/transcribe/?ticket={token}")
    await again.connect()
    assert (await receive(again))["code"] == "unauthenticated"
    await expect_close(again, 4401)
    await again.disconnect()


async def test_an_expired_or_unknown_ticket_is_refused(resident):
    token, ticket = await database_sync_to_async(ticket_issue)(user=resident)
    await database_sync_to_async(
        TranscriptionTicket.objects.filter(pk=ticket.pk).update
    )(expires_at=ticket.created_at - dt.timedelta(seconds=1))
    for value in (token, "nonsense", ""):
        ws = app_socket(f"/ws/transcribe/?ticket={value}")
        await ws.connect()
        assert (await receive(ws))["code"] == "unauthenticated"
        await expect_close(ws, 4401)
        await ws.disconnect()


def test_tickets_are_stored_hashed_and_need_the_feature(resident, resident2):
    token, ticket = ticket_issue(user=resident)
    assert token not in ticket.token_hash and len(ticket.token_hash) == 64
    assert (ticket.expires_at - ticket.created_at).total_seconds() <= 31
    from noumaris.common.errors import ForbiddenError

    with pytest.raises(ForbiddenError):
        ticket_issue(user=resident2)


async def test_a_ticket_needs_no_origin(resident, fake_deepgram):
    token, _ = await database_sync_to_async(ticket_issue)(user=resident)
    ws = Communicator(application, f"/ws/transcribe/?ticket={token}")
    assert (await ws.connect())[0]
    await send(ws, start_message())
    assert (await receive(ws))["type"] == "ready"
    await ws.disconnect()


async def test_a_bad_ticket_from_another_site_does_not_fall_back_to_the_cookie(
    resident, password
):
    client = Client()
    await database_sync_to_async(client.login)(
        request=HttpRequest(), username="resident", password=password
    )
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    ws = Communicator(
        application,
        "/ws/transcribe/?ticket=forged",
        headers=[(b"origin", b"https://evil.example"), (b"cookie", cookie)],
    )
    assert (await ws.connect())[0]
    assert (await receive(ws))["code"] == "unauthenticated"
    await expect_close(ws, 4401)
    await ws.disconnect()


def test_a_plain_websockets_client_records_with_a_ticket_and_no_origin(
    transactional_db, resident
):
    """Through daphne, as an integrator's script connects: no Origin header."""
    import asyncio
    import json

    from websockets.asyncio.client import connect

    from tests.browser import live_server

    token, _ = ticket_issue(user=resident)

    async def session(base):
        url = base.replace("http://", "ws://") + f"/ws/transcribe/?ticket={token}"
        async with connect(url, origin=None, open_timeout=DEADLINE) as ws:
            await ws.send(json.dumps(start_message()))
            ready = json.loads(await ws.recv())
            for n in range(10):
                await ws.send(n.to_bytes(8, "little") + bytes(3192))
                await asyncio.sleep(0.05)
            await ws.send(json.dumps({"type": "stop"}))
            messages = [json.loads(m) async for m in ws]
            return ready, messages, ws.close_code

    with live_server(DJANGO_SETTINGS_MODULE="bench.ws_settings") as base:
        ready, messages, code = asyncio.run(session(base))
    assert ready["type"] == "ready"
    assert [m["seq"] for m in messages if m.get("is_final")] == [1]
    assert messages[-1] == {"type": "status", "state": "stopped"} and code == 1000
