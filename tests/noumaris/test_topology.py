"""The production topology on one machine: nginx with the repository's own config in
front, gunicorn for HTTP, daphne for WebSockets (and draft streams) and a task worker,
started with compose.yaml's commands, on the test database and Redis. A resident
signs in, calls the API, records an encounter over the socket (offline engine) and
drafts a note (queued, drafted by the worker, followed), all through nginx."""

import asyncio
import contextlib
import json

import httpx
import pytest
import websockets

from templates_app.library import template_seed_global
from templates_app.seed_data import TEMPLATES
from tests.browser import live_server_env
from tests.live import daphne, gunicorn, nginx, started_together, task_worker
from tests.transcription.conftest import START, speech_wav, wav_pcm
from tests.waiting import DEADLINE, within

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]
__all__ = ["speech_wav"]  # the fixture, shared with the transcription tests

FRAME = 3200  # 100 ms of 16 kHz 16-bit mono


@pytest.fixture
def topology():
    env = live_server_env(
        TRUSTED_PROXY_COUNT="1",
        TRANSCRIPTION_ENGINE="offline",
        NOTE_ENGINE="offline",
        WEB_THREADS="4",
    )
    with contextlib.ExitStack() as stack:
        ws, web, *_ = started_together(
            stack,
            daphne(env),
            gunicorn(env),
            # compose.yaml's workers, one per queue.
            task_worker(env, queues="drafts"),
            task_worker(env, queues="transcription", periodic=False),
            task_worker(env, queues="email,default", periodic=False),
        )
        yield stack.enter_context(
            nginx(web=web.removeprefix("http://"), ws=ws.removeprefix("http://"))
        )


def sign_in(client: httpx.Client, username: str, password: str) -> None:
    """The sign-in form, as a browser posts it (with its Origin)."""
    client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
        headers={"Origin": str(client.base_url).rstrip("/")},
    )
    assert response.status_code == 302, response.text
    assert response.headers["Location"] == "/"


async def record(base: str, cookie: str, pcm: bytes) -> tuple[int, list[dict]]:
    """A recording over the socket: start, the audio (paced by the server), stop."""
    url = base.replace("http://", "ws://") + "/ws/transcribe/"
    async with websockets.connect(
        url, origin=base, additional_headers={"Cookie": cookie}, open_timeout=DEADLINE
    ) as socket:
        await socket.send(json.dumps({**START, "consent": True}))
        ready = json.loads(await within(socket.recv()))
        assert ready["type"] == "ready", ready
        for start in range(0, len(pcm), FRAME):
            await socket.send(pcm[start : start + FRAME])
            # Just above real time: the server refuses audio far faster than speech.
            await asyncio.sleep(FRAME / 32000 / 1.4)
        await socket.send(json.dumps({"type": "stop"}))
        messages = []
        while not messages or messages[-1] != {"type": "status", "state": "stopped"}:
            messages.append(json.loads(await within(socket.recv())))
    return ready["session_id"], messages


def test_a_resident_records_and_drafts_through_the_proxy(
    topology, resident, password, speech_wav, django_user_model
):
    soap = next(
        template_seed_global(spec=spec)[0]
        for spec in TEMPLATES
        if spec["slug"] == "soap"
    )
    with httpx.Client(base_url=topology, timeout=DEADLINE) as client:
        sign_in(client, resident.username, password)
        headers = {
            "X-CSRFToken": client.cookies["csrftoken"],
            "Origin": topology,
        }
        me = client.get("/api/v1/me", headers=headers)
        assert me.status_code == 200 and me.json()["username"] == resident.username

        cookie = f"sessionid={client.cookies['sessionid']}"
        session_id, messages = asyncio.run(
            record(topology, cookie, wav_pcm(speech_wav))
        )
        finals = [m for m in messages if m["type"] == "transcript" and m["is_final"]]
        assert finals and any(m["text"].strip() for m in finals), messages

        note = client.post(
            "/api/v1/notes",
            json={"session": session_id, "template": soap.pk},
            headers=headers,
        )
        assert note.status_code == 201, note.text
        job = client.post(
            f"/api/v1/notes/{note.json()['id']}/generate", json={}, headers=headers
        )
        assert job.status_code == 202, job.text  # queued: the worker drafts it
        with client.stream("GET", job.json()["events"]) as stream:
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            events = stream.read().decode()
        assert "event: done" in events, events[-2000:]
        ready = client.get("/health/ready").json()
        assert ready["checks"]["worker"] == "ok", ready
        drafted = client.get(f"/api/v1/notes/{note.json()['id']}").json()
        assert any(section["text"].strip() for section in drafted["sections"]), drafted
