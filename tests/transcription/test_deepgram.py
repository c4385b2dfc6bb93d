"""The Deepgram path through the real deepgram-sdk against a local Deepgram."""

import asyncio

import pytest
from channels.db import database_sync_to_async

from tests.fakes.deepgram_server import numbered_frames
from tests.transcription.conftest import (
    connected,
    expect_close,
    receive,
    receive_until,
    send,
    start_message,
)
from transcription.engines.keyterms import DEFAULT_KEYTERMS, keyterms_for_request
from transcription.models import TranscriptSegment

pytestmark = pytest.mark.django_db(transaction=True)


def stored(session_id) -> tuple[list[str], list[int]]:
    segments = list(
        TranscriptSegment.objects.filter(session_id=session_id).order_by("seq")
    )
    return " ".join(s.text for s in segments).split(), [s.seq for s in segments]


async def stream(ws, first: int, count: int) -> None:
    for frame in numbered_frames(first, count):
        await ws.send_to(bytes_data=frame)
        await asyncio.sleep(0.01)


async def test_an_upstream_drop_loses_no_final_words_and_stores_none_twice(
    resident, fake_deepgram
):
    fake_deepgram.drop_after_frames = 13  # mid-utterance: w10..w12 still interim
    async with connected(resident) as ws:
        await send(ws, start_message())
        session_id = (await receive(ws))["session_id"]
        await receive(ws)
        await stream(ws, 0, 40)
        await send(ws, {"type": "stop"})
        messages = await receive_until(ws, "status", state="stopped")
        await expect_close(ws, 1000)
    assert fake_deepgram.drops == 1
    assert len(fake_deepgram.connections) == 2
    words, seqs = await database_sync_to_async(stored)(session_id)
    assert words == [f"w{n}" for n in range(40)]
    assert seqs == list(range(1, len(seqs) + 1))
    finals = [m for m in messages if m.get("is_final")]
    assert [m["seq"] for m in finals] == seqs
    # Times run on across the reconnection.
    assert finals[-1]["end_ms"] == 4000


async def test_every_connection_opts_out_of_model_training(resident, fake_deepgram):
    fake_deepgram.drop_after_frames = 3
    async with connected(resident) as ws:
        await send(ws, start_message())
        await receive_until(ws, "status")
        await stream(ws, 0, 8)
        await send(ws, {"type": "stop"})
        await receive_until(ws, "status", state="stopped")
        await expect_close(ws, 1000)
    assert len(fake_deepgram.connections) == 2
    for query in fake_deepgram.connections:
        assert query["mip_opt_out"] == "true"
        assert query["model"] == "nova-3-medical"
        assert query["encoding"] == "linear16"
        assert query["sample_rate"] == "16000"
        assert query["interim_results"] == "true"
        assert query["smart_format"] == "true"
        assert query["punctuate"] == "true"
        assert query["diarize_model"] == "latest"  # `diarize` is deprecated
        assert "diarize" not in query
    # The clinical vocabulary, one keyterm each (a phrase is one keyterm).
    keyterms = fake_deepgram.queries[0]["keyterm"]
    assert "methotrexate" in keyterms and "atrial fibrillation" in keyterms
    assert len(keyterms) == len(set(keyterms)) == len(DEFAULT_KEYTERMS)
    assert fake_deepgram.queries[1]["keyterm"] == keyterms  # the reconnection too


async def test_the_callers_vocabulary_is_sent_as_keyterms(fake_deepgram):
    from transcription.engines.deepgram import DeepgramEngine

    async def on_result(result):
        return None

    engine = DeepgramEngine()
    terms = ["  adalimumab ", "Crohn disease", "adalimumab", ""]
    await engine.start(
        sample_rate=16000, language="en", on_result=on_result, keyterms=terms
    )
    await engine.finish()
    assert fake_deepgram.queries[0]["keyterm"] == ["adalimumab", "Crohn disease"]


async def test_models_without_keyterm_prompts_are_sent_none(fake_deepgram, settings):
    from transcription.engines.deepgram import DeepgramEngine

    async def on_result(result):
        return None

    settings.DEEPGRAM_MODEL = "nova-2-medical"
    engine = DeepgramEngine()
    await engine.start(sample_rate=16000, language="en", on_result=on_result)
    await engine.finish()
    assert fake_deepgram.queries[0]["model"] == ["nova-2-medical"]
    assert "keyterm" not in fake_deepgram.queries[0]


def test_keyterms_stay_within_deepgrams_limits():
    many = [f"term{n}" for n in range(150)]
    assert len(keyterms_for_request(many)) == 100
    long_phrases = [f"{'x ' * 40}{n}" for n in range(20)]
    assert sum(len(t.split()) for t in keyterms_for_request(long_phrases)) <= 300


async def test_stop_finalizes_and_closes_the_stream_cleanly(resident, fake_deepgram):
    async with connected(resident) as ws:
        await send(ws, start_message())
        session_id = (await receive(ws))["session_id"]
        await receive(ws)
        await stream(ws, 0, 3)  # fewer words than one final: only Finalize ends them
        await send(ws, {"type": "stop"})
        messages = await receive_until(ws, "status", state="stopped")
        await expect_close(ws, 1000)
    assert fake_deepgram.finalizes == 1
    assert fake_deepgram.close_streams == 1
    assert [m["text"] for m in messages if m.get("is_final")] == ["w0 w1 w2"]
    words, _ = await database_sync_to_async(stored)(session_id)
    assert words == ["w0", "w1", "w2"]


async def test_a_wrong_key_is_an_engine_error_not_a_traceback(
    resident, fake_deepgram, settings
):
    settings.DEEPGRAM_API_KEY = "wrong"
    async with connected(resident) as ws:
        await send(ws, start_message())
        message = await receive(ws)
        assert message == {
            "type": "error",
            "code": "engine_unavailable",
            "message": "The speech service is unreachable.",
        }
        await expect_close(ws, 4503)


async def test_when_upstream_stays_down_the_client_is_told(resident, fake_deepgram):
    from transcription.engines.deepgram import DeepgramEngine

    async with connected(resident) as ws:
        await send(ws, start_message())
        await receive_until(ws, "status")
        fake_deepgram.stop()
        fake_deepgram.drop_after_frames = 1
        DeepgramEngine.reconnect_delays = (0.05, 0.05)
        try:
            await stream(ws, 0, 2)
            message = await receive_until(ws, "error")
        finally:
            DeepgramEngine.reconnect_delays = (0.1, 0.5, 1.0, 2.0, 4.0)
        assert message[-1]["code"] == "engine_failed"
        await expect_close(ws, 4503)
