"""Whatever goes wrong, the socket gives back its slot and says what to do (issue 15):
crashes, a database away, floods, and a sign-in that ends mid-recording."""

import asyncio
import threading
import time
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.db.models import F
from django.http import HttpRequest
from django.test import Client

from bench.instant_engine import InstantEngine
from institutions.models import ResidentProfile
from tests.services import require_postgres
from tests.transcription.conftest import (
    FRAME,
    Communicator,
    connected,
    expect_close,
    frames,
    receive,
    receive_until,
    send,
    socket_for,
    start_message,
)
from tests.transcription.faults import take_test_database_away
from tests.waiting import DEADLINE
from transcription import connections, consumers, recording
from transcription.engines import EngineError
from transcription.models import TranscriptionSession, TranscriptSegment
from transcription.services import segments

pytestmark = pytest.mark.django_db(transaction=True)


async def record(ws, chunk, pause=0.0):
    for frame in chunk:
        await ws.send_to(bytes_data=frame)
        if pause:
            await asyncio.sleep(pause)


def stored(session_id) -> list[tuple[int, str]]:
    return list(
        TranscriptSegment.objects.filter(session_id=session_id)
        .order_by("seq")
        .values_list("seq", "text")
    )


async def receive_until_final(ws, *, seq: int) -> list[dict]:
    """Every message up to the final acknowledged as `seq`."""
    messages = []
    while not (messages and messages[-1].get("seq") == seq):
        messages.append(await receive(ws))
    return messages


async def refused(ws, code: str, close: int) -> dict:
    messages = await receive_until(ws, "error")
    assert messages[-1]["code"] == code, messages
    await expect_close(ws, close)
    await ws.disconnect()
    return messages[-1]


async def a_fourth_socket_is_accepted(user):
    """Three crashed sockets must not hold the user's three slots."""
    async with connected(user) as ws:
        await send(ws, start_message())
        assert (await receive(ws))["type"] == "ready"


async def test_a_nul_in_the_label_is_a_4400_naming_the_field(resident, instant_engine):
    for _ in range(3):
        ws = socket_for(resident)
        await ws.connect()
        await send(ws, start_message(label="Bed\u00004"))
        error = await refused(ws, "bad_label", 4400)
        assert "label" in error["message"]
    assert not await database_sync_to_async(TranscriptionSession.objects.exists)()
    await a_fourth_socket_is_accepted(resident)


async def test_deeply_nested_json_is_a_4400(resident, instant_engine):
    for _ in range(3):
        ws = socket_for(resident)
        await ws.connect()
        await ws.send_to(text_data="[" * 100000 + "]" * 100000)
        await refused(ws, "malformed", 4400)
    await a_fourth_socket_is_accepted(resident)


class BrokenEngine(InstantEngine):
    async def send_audio(self, pcm: bytes) -> None:
        raise RuntimeError("the engine broke")


class RefusingEngine(InstantEngine):
    async def send_audio(self, pcm: bytes) -> None:
        raise EngineError("The speech engine stopped.")


@pytest.mark.parametrize(
    ("engine", "code", "close"),
    [(BrokenEngine, "server_error", 4500), (RefusingEngine, "engine_failed", 4503)],
)
async def test_an_engine_failure_closes_with_a_code_and_frees_the_slot(
    resident, instant_engine, monkeypatch, engine, code, close
):
    monkeypatch.setattr(consumers, "engine_for", lambda name: engine())
    for _ in range(3):
        ws = socket_for(resident)
        await ws.connect()
        await send(ws, start_message())
        await receive_until(ws, "status")
        await ws.send_to(bytes_data=FRAME)
        await refused(ws, code, close)
    monkeypatch.undo()
    await a_fourth_socket_is_accepted(resident)


async def test_a_crash_while_starting_frees_the_slot(
    resident, instant_engine, monkeypatch
):
    def crash(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(consumers.sessions, "session_start", crash)
    for _ in range(3):
        ws = socket_for(resident)
        await ws.connect()
        await send(ws, start_message())
        error = await refused(ws, "server_error", 4500)
        assert "boom" not in error["message"]
    monkeypatch.undo()
    await a_fourth_socket_is_accepted(resident)


async def test_storage_away_past_the_window_closes_4503_and_repeats_nothing(
    resident, instant_engine, monkeypatch, test_backend_pid
):
    monkeypatch.setattr(segments, "RETRY_WINDOW", 1.0)
    ws = socket_for(resident)
    await ws.connect()
    await send(ws, start_message())
    session_id = (await receive(ws))["session_id"]
    await record(ws, frames(0, 10))
    messages = await receive_until_final(ws, seq=1)
    gone = threading.Event()
    away = asyncio.create_task(
        asyncio.to_thread(take_test_database_away, test_backend_pid, 4, gone)
    )
    assert await asyncio.to_thread(gone.wait, DEADLINE)
    await record(ws, frames(10, 10))
    messages += await receive_until(ws, "error")
    await expect_close(ws, 4503)
    await ws.disconnect()
    assert await away >= 1
    assert {"type": "status", "state": "catching_up"} in messages
    assert messages[-1]["code"] == "storage_unavailable"
    assert "sends it when it reconnects" in messages[-1]["message"]
    assert [m["seq"] for m in messages if m.get("is_final")] == [1]
    rows = await database_sync_to_async(stored)(session_id)
    assert [seq for seq, _ in rows] == [1]  # acknowledged once, nothing else
    await a_fourth_socket_is_accepted(resident)


async def test_a_flood_of_audio_is_refused_after_a_short_burst(
    resident, instant_engine, monkeypatch
):
    sent = []
    original = InstantEngine.send_audio

    async def counted(self, pcm):
        sent.append(len(pcm))
        await original(self, pcm)

    monkeypatch.setattr(InstantEngine, "send_audio", counted)
    ws = socket_for(resident)
    await ws.connect()
    began = time.monotonic()  # before the session: its clock is no earlier
    await send(ws, start_message())
    await receive_until(ws, "status")
    big = b"\x00" * 64 * 1024  # 2 s of audio a frame: 197 s sent at once
    for _ in range(100):
        await ws.send_to(bytes_data=big)
    error = await refused(ws, "audio_too_fast", 4400)
    assert "as it is recorded" in error["message"]
    # Taken: no more than the session's seconds so far and the burst ahead of them.
    ahead = sum(sent) / 32000 - (time.monotonic() - began)
    assert ahead <= recording.AUDIO_BURST_SECONDS
    await a_fourth_socket_is_accepted(resident)


async def test_audio_read_late_in_a_bunch_is_taken_on_the_sessions_clock(
    resident, instant_engine
):
    """A session that began a minute ago may receive up to a minute of audio at
    once (a loaded server read its frames late, or the page resends what it kept):
    it was spoken in real time, so it is not a flood."""
    async with connected(resident) as ws:
        await send(ws, start_message())
        session_id = (await receive_until(ws, "ready"))[-1]["session_id"]
    await database_sync_to_async(
        lambda: TranscriptionSession.objects.filter(pk=session_id).update(
            started_at=F("started_at") - timedelta(seconds=60)
        )
    )()
    async with connected(resident) as ws:
        await send(ws, {**start_message(), "session_id": session_id})
        await receive_until(ws, "status")
        big = b"\x00" * 64 * 1024  # 2 s of audio a frame: 41 s at once
        for _ in range(20):
            await ws.send_to(bytes_data=big)
        await send(ws, {"type": "pause"})
        messages = await receive_until(ws, "status", state="paused")
        assert not [m for m in messages if m["type"] == "error"], messages


async def test_new_sessions_per_minute_are_limited(resident, instant_engine, settings):
    settings.TRANSCRIPTION_SESSIONS_PER_MINUTE = 4
    for _ in range(4):
        async with connected(resident) as ws:
            await send(ws, start_message())
            assert (await receive(ws))["type"] == "ready"
    ws = socket_for(resident)
    await ws.connect()
    await send(ws, start_message())
    error = await refused(ws, "too_many_sessions", 4429)
    assert "in the last minute" in error["message"]
    count = await database_sync_to_async(TranscriptionSession.objects.count)()
    assert count == 4


# --- a sign-in that ends while the socket is open ------------------------------------
ORIGIN = (b"origin", b"http://localhost")


@pytest.fixture
def fast_beat(monkeypatch):
    monkeypatch.setattr(connections, "REFRESH_SECONDS", 0.2)


async def browser_socket(password, **client_kwargs):
    from noumaris.routing import websocket_application

    client = Client()
    await database_sync_to_async(client.login)(
        request=HttpRequest(), username="resident", password=password
    )
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    ws = Communicator(
        websocket_application, "/ws/transcribe/", headers=[ORIGIN, (b"cookie", cookie)]
    )
    assert (await ws.connect())[0]
    await send(ws, start_message())
    assert (await receive(ws))["type"] == "ready"
    await receive(ws)
    return client, ws


async def test_logging_out_closes_an_open_socket_4401(
    resident, password, instant_engine, fast_beat
):
    client, ws = await browser_socket(password)
    await database_sync_to_async(client.post)("/logout")
    error = await refused(ws, "unauthenticated", 4401)
    assert "Sign in again" in error["message"]


async def test_a_deactivated_resident_is_closed_4403(
    resident, password, instant_engine, fast_beat
):
    _, ws = await browser_socket(password)
    await database_sync_to_async(ResidentProfile.objects.filter(user=resident).update)(
        status="inactive"
    )
    await refused(ws, "forbidden", 4403)


async def test_recording_keeps_a_short_idle_sign_in_alive(
    resident, password, instant_engine, fast_beat, settings
):
    settings.SESSION_COOKIE_AGE = 2  # the idle timeout, seconds
    settings.SESSION_IDLE_RENEW_EVERY = 0
    client, ws = await browser_socket(password)
    await record(ws, frames(0, 40), pause=0.1)  # 4 s: twice the idle timeout
    await send(ws, {"type": "stop"})
    await receive_until(ws, "status", state="stopped")
    await expect_close(ws, 1000)
    await ws.disconnect()
    key = client.cookies["sessionid"].value
    assert await database_sync_to_async(signed_in)(key)  # not sent to /login
    await asyncio.sleep(2.5)  # and without a socket the same sign-in idles out
    assert not await database_sync_to_async(signed_in)(key)


def signed_in(session_key: str) -> bool:
    """Whether the browser's session still signs it in (Django's own test)."""
    from django.contrib.sessions.backends.db import SessionStore

    return "_auth_user_id" in SessionStore(session_key).load()


async def test_a_ticket_socket_whose_account_is_disabled_is_closed(
    resident, instant_engine, fast_beat
):
    async with connected(resident) as ws:
        await send(ws, start_message())
        await receive_until(ws, "status")
        resident.is_active = False
        await database_sync_to_async(resident.save)(update_fields=["is_active"])
        messages = await receive_until(ws, "error")
        assert messages[-1]["code"] == "unauthenticated"
        await expect_close(ws, 4401)


@pytest.fixture
def test_backend_pid():
    from django.db import connection

    require_postgres()
    connection.ensure_connection()
    return connection.connection.info.backend_pid


async def test_postgresql_backends_killed_mid_recording_lose_and_repeat_nothing(
    resident, instant_engine, test_backend_pid
):
    async with connected(resident) as ws:
        await send(ws, start_message())
        session_id = (await receive(ws))["session_id"]
        await receive(ws)
        killed = 0
        for first in (0, 30):  # the database goes away twice while speech goes on
            await record(ws, frames(first, 10), pause=0.05)
            away = asyncio.create_task(
                asyncio.to_thread(take_test_database_away, test_backend_pid, 3)
            )
            await record(ws, frames(first + 10, 20), pause=0.1)
            killed += await away
        assert killed >= 1
        await record(ws, frames(60, 30), pause=0.05)
        await send(ws, {"type": "stop"})
        messages = await receive_until(ws, "status", state="stopped")
        await expect_close(ws, 1000)
    seqs = [m["seq"] for m in messages if m.get("is_final")]
    states = [m["state"] for m in messages if m["type"] == "status"]
    assert states.count("catching_up") >= 1 and states[-1] == "stopped"
    assert seqs == list(range(1, 10))
    rows = await database_sync_to_async(stored)(session_id)
    assert [seq for seq, _ in rows] == list(range(1, 10))
    texts = [text for _, text in rows]
    assert len(set(texts)) == 9  # each final once
