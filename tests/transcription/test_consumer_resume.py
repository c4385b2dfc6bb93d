"""An interrupted encounter is resumed from its page; a server killed mid-recording
leaves its sessions paused, with the audio their stored segments cover (issue 15)."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile

import pytest
from django.core.management import call_command
from django.test import Client
from websockets.asyncio.client import connect

from tests.browser import live_server_env
from tests.fakes.tcp_proxy import free_port
from tests.live import ROOT, _wait_for
from tests.transcription.conftest import start_message
from tests.transcription.factories import session_with_segments
from tests.waiting import DEADLINE
from transcription.models import TranscriptionSession
from transcription.services.sessions import session_mark_orphans_paused
from transcription.services.sockets import ticket_issue

FRAME = bytes(3200)


def frame(n: int) -> bytes:
    return n.to_bytes(8, "little") + FRAME[8:]


def start_daphne(port: int) -> subprocess.Popen:
    env = live_server_env(DJANGO_SETTINGS_MODULE="bench.ws_settings")
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p", str(port)]
        + ["noumaris.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    proc.log_path = log.name
    _wait_for(f"http://127.0.0.1:{port}/health", proc, DEADLINE)
    return proc


async def record_until_finals(url: str, start: dict, first: int, finals: int):
    """Stream frames until `finals` finals are acknowledged; return the messages."""
    ws = await connect(url, origin=None, open_timeout=DEADLINE)
    await ws.send(json.dumps(start))
    messages = [json.loads(await ws.recv())]
    n = first
    while sum(1 for m in messages if m.get("is_final")) < finals:
        await ws.send(frame(n))
        n += 1
        await asyncio.sleep(0.02)
        while True:
            try:
                messages.append(json.loads(await asyncio.wait_for(ws.recv(), 0.01)))
            except TimeoutError:
                break
    return ws, messages


def test_after_kill_9_the_session_is_paused_with_its_stored_audio_and_resumes(
    transactional_db, resident
):
    port = free_port()
    url = f"ws://127.0.0.1:{port}/ws/transcribe/?ticket="
    server = start_daphne(port)
    try:
        token, _ = ticket_issue(user=resident)

        async def until_killed():
            ws, messages = await record_until_finals(url + token, start_message(), 0, 3)
            os.kill(server.pid, signal.SIGKILL)  # mid-recording: no disconnect runs
            server.wait(10)
            return messages

        messages = asyncio.run(until_killed())
    finally:
        server.kill()
        server.wait(10)
    session_id = messages[0]["session_id"]
    session = TranscriptionSession.objects.get(pk=session_id)
    assert session.status == "recording"  # what the dead server left behind

    call_command("transcription_mark_orphans", "--idle-seconds", "0")
    session.refresh_from_db()
    assert session.status == "paused"
    assert session.audio_seconds == pytest.approx(3.0)  # the 3 stored finals' audio

    client = Client()
    client.force_login(resident)
    page = client.get(f"/encounters/{session_id}").content.decode()
    assert f'href="/encounters/new?resume={session_id}"' in page
    assert (
        "Resume recording"
        in client.get(f"/encounters/new?resume={session_id}").content.decode()
    )

    server = start_daphne(port)
    try:
        token, _ = ticket_issue(user=resident)

        async def resume():
            start = {**start_message(), "session_id": session_id}
            ws, messages = await record_until_finals(url + token, start, 100, 1)
            await ws.send(json.dumps({"type": "stop"}))
            messages += [json.loads(m) async for m in ws]
            return messages

        resumed = asyncio.run(resume())
    finally:
        server.terminate()
        server.wait(10)
    assert resumed[0] == {
        "type": "ready",
        "session_id": session_id,
        "last_seq": 3,
        "audio_ms": 3000,
    }
    final = next(m for m in resumed if m.get("is_final"))
    assert final["seq"] == 4 and final["start_ms"] >= 3000
    assert resumed[-1] == {"type": "status", "state": "stopped"}
    assert list(session.segments.values_list("seq", flat=True)) == [1, 2, 3, 4]


def test_a_live_session_is_not_marked_and_a_stopped_one_offers_no_resume(db, resident):
    live = session_with_segments(resident, count=2, status="recording")
    stopped = session_with_segments(resident, count=1, status="stopped")
    assert session_mark_orphans_paused() == 0  # touched just now
    live.refresh_from_db()
    assert live.status == "recording"
    client = Client()
    client.force_login(resident)
    assert "Resume recording" in client.get(f"/encounters/{live.pk}").content.decode()
    page = client.get(f"/encounters/{stopped.pk}").content.decode()
    assert "Resume recording" not in page
    assert client.get(f"/encounters/new?resume={stopped.pk}").status_code == 404


def test_another_users_encounter_cannot_be_resumed_from_the_page(
    db, resident, riverside_resident
):
    theirs = session_with_segments(riverside_resident, count=1, status="paused")
    client = Client()
    client.force_login(resident)
    assert client.get(f"/encounters/new?resume={theirs.pk}").status_code == 404
