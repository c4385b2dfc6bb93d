"""The embedded engine (pocketsphinx) on synthetic speech made with espeak-ng."""

import asyncio

import pytest
from channels.db import database_sync_to_async

from tests.transcription.conftest import (
    connected,
    expect_close,
    receive,
    receive_until,
    send,
    start_message,
    wav_pcm,
)
from transcription.models import TranscriptionSession, TranscriptSegment

pytestmark = pytest.mark.django_db(transaction=True)
FRAME = 3200  # 100 ms


async def test_spoken_words_arrive_and_are_stored(resident, offline_engine, speech_wav):
    pcm = wav_pcm(speech_wav)
    async with connected(resident) as ws:
        await send(ws, start_message())
        session_id = (await receive(ws))["session_id"]
        await receive(ws)
        for i in range(0, len(pcm), FRAME):
            await ws.send_to(bytes_data=pcm[i : i + FRAME])
            await asyncio.sleep(0.002)
        await send(ws, {"type": "stop"})
        messages = await receive_until(ws, "status", wait=60)
        await expect_close(ws, 1000)
    finals = [m for m in messages if m["type"] == "transcript" and m["is_final"]]
    assert finals, messages
    assert any(m["type"] == "transcript" and not m["is_final"] for m in messages)

    def check():
        session = TranscriptionSession.objects.get(pk=session_id)
        segments = list(TranscriptSegment.objects.filter(session=session))
        return session, segments

    session, segments = await database_sync_to_async(check)()
    assert session.engine == "offline"
    assert session.audio_seconds == pytest.approx(len(pcm) / 32000, abs=0.1)
    assert [s.seq for s in segments] == list(range(1, len(finals) + 1))
    assert sum(len(s.text.split()) for s in segments) >= 5
    assert all(s.end_ms >= s.start_ms for s in segments)
