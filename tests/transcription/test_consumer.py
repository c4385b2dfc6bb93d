"""The `/ws/transcribe/` protocol, close codes and bad inputs (DESIGN)."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser

from accounts.models import AuditLog
from tests.fakes.deepgram_server import numbered_frames
from tests.transcription.conftest import (
    connected,
    expect_close,
    receive,
    receive_until,
    send,
    socket_for,
    start_message,
)
from transcription.models import TranscriptionSession, TranscriptSegment

pytestmark = pytest.mark.django_db(transaction=True)


def words_of(session_id) -> list[str]:
    segments = TranscriptSegment.objects.filter(session_id=session_id).order_by("seq")
    return " ".join(s.text for s in segments).split()


async def record(communicator, frames, *, pause=0.0):
    for frame in frames:
        await communicator.send_to(bytes_data=frame)
        if pause:
            await asyncio.sleep(pause)


async def test_it_closes_4401_without_a_signed_in_user():
    communicator = socket_for(AnonymousUser())
    await communicator.connect()
    message = await receive(communicator)
    assert message == {
        "type": "error",
        "code": "unauthenticated",
        "message": "Sign in to record.",
    }
    await expect_close(communicator, 4401)
    await communicator.disconnect()


async def test_it_refuses_a_resident_without_the_feature_with_the_reason(resident2):
    communicator = socket_for(resident2)
    await communicator.connect()
    message = await receive(communicator)
    assert message["code"] == "forbidden"
    assert "live transcription" in message["message"].lower() or message["message"]
    await expect_close(communicator, 4403)
    await communicator.disconnect()


async def test_the_connection_past_the_limit_closes_4429(
    resident, fake_deepgram, settings
):
    settings.WS_MAX_CONNECTIONS_PER_USER = 2
    async with connected(resident) as first, connected(resident) as second:
        # A socket takes its slot after the handshake: wait until both have answered
        # a start (so both hold theirs) before the third knocks.
        for ws in (first, second):
            await send(ws, start_message())
            await receive_until(ws, "ready")
        third = socket_for(resident)
        await third.connect()
        message = await receive(third)
        assert message["code"] == "too_many_connections"
        assert "2 recordings open" in message["message"]
        await expect_close(third, 4429)
        await third.disconnect()
    # Closing sockets frees their slots.
    async with connected(resident) as again:
        await send(again, start_message())
        assert (await receive(again))["type"] == "ready"


async def test_a_new_session_needs_the_patients_consent(resident, fake_deepgram):
    async with connected(resident) as ws:
        await send(ws, {**start_message(), "consent": False})
        message = await receive(ws)
        assert message["type"] == "error"
        assert message["code"] == "consent_required"
        count = await database_sync_to_async(TranscriptionSession.objects.count)()
        assert count == 0
        # The socket stays open: confirming consent starts the recording.
        await send(ws, start_message())
        assert (await receive(ws))["type"] == "ready"


async def test_a_resident_records_and_every_final_segment_is_stored(
    resident, fake_deepgram
):
    async with connected(resident) as ws:
        await send(ws, start_message(label="Bed 4"))
        ready = await receive(ws)
        assert ready["type"] == "ready" and ready["last_seq"] == 0
        assert await receive(ws) == {"type": "status", "state": "recording"}
        await record(ws, numbered_frames(0, 12))
        await send(ws, {"type": "stop"})
        messages = await receive_until(ws, "status", state="stopped")
        await expect_close(ws, 1000)
    interim = [m for m in messages if m["type"] == "transcript" and not m["is_final"]]
    finals = [m for m in messages if m["type"] == "transcript" and m["is_final"]]
    assert interim and interim[0]["seq"] is None
    assert [m["seq"] for m in finals] == [1, 2, 3]
    assert finals[0] == {
        "type": "transcript",
        "seq": 1,
        "text": "w0 w1 w2 w3 w4",
        "is_final": True,
        "speaker": 0,
        "start_ms": 0,
        "end_ms": 500,
        "words": [],  # the fake engine has none (the offline engine's: test_heard)
    }
    assert messages[-1] == {"type": "status", "state": "stopped"}

    session = await database_sync_to_async(
        TranscriptionSession.objects.select_related("consent_confirmed_by").get
    )(pk=ready["session_id"])
    assert session.status == "stopped" and session.ended_at is not None
    assert session.owner_id == resident.pk
    assert session.consent_confirmed_by == resident
    assert session.consent_confirmed_at is not None
    assert session.audio_seconds == pytest.approx(1.2)
    assert session.label == "Bed 4"
    assert session.engine == "deepgram"
    words = await database_sync_to_async(words_of)(session.pk)
    assert words == [f"w{n}" for n in range(12)]
    actions = await database_sync_to_async(list)(
        AuditLog.objects.filter(target_id=str(session.pk)).values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["TRANSCRIPTION_STARTED", "TRANSCRIPTION_STOPPED"]


@pytest.mark.parametrize(
    ("first", "then", "code"),
    [
        (None, b"\0" * (64 * 1024 + 2), "frame_too_large"),
        (start_message(), b"\0" * (64 * 1024 + 2), "frame_too_large"),
        (None, b"\0" * 3200, "not_started"),
        (start_message(), b"\0" * 3201, "odd_frame"),
        (None, "{not json", "malformed"),
        (None, json.dumps(["start"]), "unknown_type"),
        (None, json.dumps({"type": "dance"}), "unknown_type"),
        (
            None,
            json.dumps({**start_message(), "sample_rate": 44100}),
            "unsupported_sample_rate",
        ),
        (
            None,
            json.dumps({**start_message(), "encoding": "opus"}),
            "unsupported_encoding",
        ),
        (None, json.dumps({**start_message(), "language": "<script>"}), "bad_language"),
        (None, json.dumps({"type": "pause"}), "not_started"),
        (start_message(), json.dumps(start_message()), "already_started"),
    ],
)
async def test_each_bad_input_gets_an_error_and_a_4400_close(
    resident, fake_deepgram, first, then, code
):
    ws = socket_for(resident)
    await ws.connect()
    if first is not None:
        await send(ws, first)
        await receive_until(ws, "status")
    if isinstance(then, bytes):
        await ws.send_to(bytes_data=then)
    else:
        await ws.send_to(text_data=then)
    message = await receive(ws)
    assert message["type"] == "error" and message["code"] == code
    assert message["message"] and "Traceback" not in message["message"]
    await expect_close(ws, 4400)
    await ws.disconnect()


async def test_a_dropped_socket_loses_no_final_words_and_resume_continues(
    resident, fake_deepgram
):
    async with connected(resident) as ws:
        await send(ws, start_message())
        ready = await receive(ws)
        await receive(ws)
        await record(ws, numbered_frames(0, 7))
        await receive_until(ws, "transcript")  # the engine has the audio
        await asyncio.sleep(0.2)
    # The socket went away mid-utterance: w5 and w6 were still interim.
    session_id = ready["session_id"]
    assert await database_sync_to_async(words_of)(session_id) == [
        f"w{n}" for n in range(7)
    ]
    state = await database_sync_to_async(
        lambda: TranscriptionSession.objects.get(pk=session_id).status
    )()
    assert state == "paused"

    async with connected(resident) as ws:
        await send(ws, {**START_NO_CONSENT, "session_id": session_id})
        resumed = await receive(ws)
        assert resumed == {
            "type": "ready",
            "session_id": session_id,
            "last_seq": 2,
            "audio_ms": 700,  # where the page resends what it kept from
        }
        await receive(ws)
        await record(ws, numbered_frames(7, 5))
        await send(ws, {"type": "stop"})
        messages = await receive_until(ws, "status", state="stopped")
        await expect_close(ws, 1000)
    finals = [m for m in messages if m.get("is_final")]
    assert [m["seq"] for m in finals] == [3]
    assert finals[0]["start_ms"] == 700  # times continue the encounter's clock
    assert await database_sync_to_async(words_of)(session_id) == [
        f"w{n}" for n in range(12)
    ]


START_NO_CONSENT = {"type": "start", "sample_rate": 16000, "encoding": "linear16"}


async def test_another_users_session_answers_4404(
    resident, riverside_resident, fake_deepgram
):
    async with connected(resident) as ws:
        await send(ws, start_message())
        session_id = (await receive(ws))["session_id"]
    for bad_id in (session_id, 999999, "abc"):
        ws = socket_for(riverside_resident)
        await ws.connect()
        await send(ws, {**START_NO_CONSENT, "session_id": bad_id})
        message = await receive(ws)
        assert message["code"] == "unknown_session"
        await expect_close(ws, 4404)
        await ws.disconnect()


async def test_the_institutions_vocabulary_is_listened_for_first(
    resident, admin, demo_hospital, fake_deepgram
):
    from institutions.services.institutions import institution_recordings_set
    from transcription.engines.keyterms import DEFAULT_KEYTERMS

    await database_sync_to_async(institution_recordings_set)(
        actor=admin,
        institution=demo_hospital,
        vocabulary="ustekinumab\n  Crohn   disease \n\nmetformin\n",
    )
    async with connected(resident) as ws:
        await send(ws, start_message())
        assert (await receive(ws))["type"] == "ready"
        await send(ws, {"type": "stop"})
        await receive_until(ws, "status", state="stopped")
    keyterms = fake_deepgram.queries[0]["keyterm"]
    assert keyterms[:3] == ["ustekinumab", "Crohn disease", "metformin"]
    assert keyterms.count("metformin") == 1  # the default list, without repeats
    assert len(keyterms) == 2 + len(DEFAULT_KEYTERMS)


async def test_a_stopped_session_cannot_record_again(resident, fake_deepgram):
    async with connected(resident) as ws:
        await send(ws, start_message())
        session_id = (await receive(ws))["session_id"]
        await receive(ws)
        await send(ws, {"type": "stop"})
        await receive_until(ws, "status", state="stopped")
        await expect_close(ws, 1000)
    ws = socket_for(resident)
    await ws.connect()
    await send(ws, {**START_NO_CONSENT, "session_id": session_id})
    assert (await receive(ws))["code"] == "session_stopped"
    await expect_close(ws, 4400)
    await ws.disconnect()


async def test_pause_keeps_the_upstream_alive_and_drops_audio(resident, fake_deepgram):
    from transcription.engines.deepgram import DeepgramEngine

    fake_deepgram.idle_timeout = 0.8
    DeepgramEngine.keepalive_seconds = 0.2
    try:
        async with connected(resident) as ws:
            await send(ws, start_message())
            session_id = (await receive(ws))["session_id"]
            await receive(ws)
            await record(ws, numbered_frames(0, 5))
            await send(ws, {"type": "pause"})
            await receive_until(ws, "status", state="paused")
            await record(ws, numbered_frames(100, 3))  # spoken while paused: dropped
            await asyncio.sleep(1.5)
            await send(ws, {"type": "resume"})
            await receive_until(ws, "status", state="recording")
            await record(ws, numbered_frames(5, 5))
            await send(ws, {"type": "stop"})
            await receive_until(ws, "status", state="stopped")
            await expect_close(ws, 1000)
    finally:
        DeepgramEngine.keepalive_seconds = 3.0
    assert fake_deepgram.keepalives >= 3
    assert fake_deepgram.idle_closes == 0
    assert len(fake_deepgram.connections) == 1
    assert await database_sync_to_async(words_of)(session_id) == [
        f"w{n}" for n in range(10)
    ]


async def test_when_redis_is_down_the_socket_says_so(resident, settings):
    from tests.fakes.tcp_proxy import free_port

    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens
    ws = socket_for(resident)
    await ws.connect()
    message = await receive(ws)
    assert message == {
        "type": "error",
        "code": "unavailable",
        "message": "Recording is unavailable; try again soon.",
    }
    await expect_close(ws, 4503)  # daphne cannot send 1011; 4503: try again
    await ws.disconnect()
