"""The embedded engine: faster-whisper with a Whisper model shipped by registry
packages (transcription/engines/whisper.py), so nothing is fetched at run time:
live recordings with WHISPER_MODEL (tiny.en by default), uploaded recordings decoded
whole with WHISPER_UPLOAD_MODEL (base by default).

Audio is cut into utterances by the Silero VAD that faster-whisper ships; each
utterance is decoded once when it ends (a final result), and while it grows it is
re-decoded for interim text at most once a second, and only when a decoder is idle.
Decoding runs in a process-wide pool of WHISPER_WORKERS threads sharing one model;
a process takes at most WHISPER_MAX_STREAMS recordings at once and refuses the next
one, so the running ones keep their pace.
"""

import asyncio
import contextlib
import functools
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from transcription.engines import clinical
from transcription.engines.base import Engine, EngineError, Result
from transcription.engines.decoding import (
    decode_recording,
    decode_utterance,
    kept_text,
)
from transcription.engines.prompting import prompted_words, whisper_prompt
from transcription.engines.roles import Turns, assign
from transcription.engines.whisper import whisper_model

__all__ = ["OfflineEngine", "kept_text", "transcribe_recording", "whisper_model"]

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16000
WINDOW = 512  # samples per Silero VAD decision (32 ms)
CONTEXT = 64  # samples of the previous window Silero sees with each window
SPEECH_THRESHOLD = 0.5
SILENCE_THRESHOLD = 0.35
END_SILENCE_MS = 500  # silence that ends an utterance
PAD_MS = 200  # audio kept either side of the speech
MIN_UTTERANCE_MS = 600  # with its padding; shorter bursts (a cough, a click) go
MAX_UTTERANCE_S = 20  # a longer monologue is cut here (Whisper reads 30 s at most)
INTERIM_EVERY_S = 1.0
INTERIM_MIN_S = 1.0  # a shorter utterance has no interim text worth decoding
INTERIM_MIN_NEW_S = 0.3  # an interim needs this much more audio than the last one


class _Decoders:
    """WHISPER_WORKERS threads decoding with the shared model; knows when all are busy."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.executor = ThreadPoolExecutor(workers, thread_name_prefix="whisper")
        self.lock = threading.Lock()
        self.busy = 0

    async def decode(
        self, audio: np.ndarray, *, beam_size: int, prompt=None, only_if_idle=False
    ):
        """Whisper's text for `audio`; None when `only_if_idle` and none is idle."""
        with self.lock:
            if only_if_idle and self.busy >= self.workers:
                return None
            self.busy += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self.executor,
                functools.partial(
                    transcribe,
                    audio,
                    beam_size,
                    final=not only_if_idle,
                    prompt=prompt,
                ),
            )
        finally:
            with self.lock:
                self.busy -= 1


@functools.cache
def decoders() -> _Decoders:
    return _Decoders(settings.WHISPER_WORKERS)


def transcribe(
    audio: np.ndarray, beam_size: int, *, final: bool = True, prompt=None
) -> tuple:
    """Whisper's kept segments of one utterance (blocking; runs in a decoder
    thread); an interim (`final=False`) gets one quick pass, without fallback or
    word times."""
    return decode_utterance(
        whisper_model(), audio, beam_size=beam_size, prompt=prompt, quick=not final
    )


class _Streams:
    """How many recordings this process transcribes; refuses past the limit."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open = 0

    def acquire(self) -> None:
        limit = settings.WHISPER_MAX_STREAMS
        with self.lock:
            if self.open >= limit:
                raise EngineError(
                    f"The speech engine on this server is busy: it transcribes at "
                    f"most {limit} at once, to keep up with each. Try again in a "
                    f"few minutes."
                )
            self.open += 1

    def release(self) -> None:
        with self.lock:
            self.open -= 1


STREAMS = _Streams()


# --- cutting utterances ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Utterance:
    start: int  # samples from the start of the stream
    end: int
    audio: np.ndarray


class Endpointer:
    """Silero VAD over a stream, window by window, cutting it into utterances."""

    def __init__(self) -> None:
        from faster_whisper.vad import get_vad_model

        self.session = get_vad_model().session  # thread-safe; state is ours
        self.h = np.zeros((1, 1, 128), dtype=np.float32)
        self.c = np.zeros((1, 1, 128), dtype=np.float32)
        self.context = np.zeros(CONTEXT, dtype=np.float32)
        self.pending = np.zeros(0, dtype=np.float32)  # less than a window
        self.audio = np.zeros(0, dtype=np.float32)  # kept audio, from `base`
        self.base = 0  # stream sample of audio[0]
        self.position = 0  # stream samples decided by the VAD
        self.start: int | None = None  # the open utterance's first sample
        self.silence_from: int | None = None
        self.pad = SAMPLE_RATE * PAD_MS // 1000

    @property
    def open_utterance(self) -> Utterance | None:
        if self.start is None:
            return None
        return self._cut(self.start, self.base + len(self.audio))

    def probabilities(self, samples: np.ndarray) -> np.ndarray:
        """Speech probability of each whole window, carrying Silero's state."""
        windows = samples.reshape(-1, WINDOW)
        contexts = np.vstack([self.context, windows[:-1, -CONTEXT:]])
        self.context = windows[-1, -CONTEXT:].copy()
        rows = np.concatenate([contexts, windows], axis=1)
        out, self.h, self.c = self.session.run(
            None, {"input": rows, "h": self.h, "c": self.c}
        )
        return out.reshape(-1)

    def feed(self, pcm: bytes, *, flush: bool = False) -> list[Utterance]:
        """Take 16-bit PCM; return the utterances it ended."""
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        self.audio = np.concatenate([self.audio, samples])
        self.pending = np.concatenate([self.pending, samples])
        whole = len(self.pending) // WINDOW * WINDOW
        ended: list[Utterance] = []
        if whole:
            windows, self.pending = self.pending[:whole], self.pending[whole:]
            for prob in self.probabilities(windows):
                self._decide(float(prob), ended)
        if flush and self.start is not None:
            ended.append(self._end(self.base + len(self.audio)))
        self._trim()
        shortest = self._samples(MIN_UTTERANCE_MS)
        return [u for u in ended if u.end - u.start >= shortest]

    def _decide(self, prob: float, ended: list[Utterance]) -> None:
        at = self.position
        self.position += WINDOW
        if self.start is None:
            if prob >= SPEECH_THRESHOLD:
                self.start = max(self.base, at - self.pad)
                self.silence_from = None
            return
        if prob >= SPEECH_THRESHOLD:
            self.silence_from = None
        elif prob < SILENCE_THRESHOLD and self.silence_from is None:
            self.silence_from = at
        silent = self.silence_from is not None and (
            self.position - self.silence_from >= self._samples(END_SILENCE_MS)
        )
        if silent:
            ended.append(self._end(self.silence_from + self.pad))
            return
        if self.position - self.start >= MAX_UTTERANCE_S * SAMPLE_RATE:
            ended.append(self._end(self.position))
            self.start = self.position  # the monologue goes on

    def _end(self, end: int) -> Utterance:
        utterance = self._cut(self.start, end)
        self.start = self.silence_from = None
        return utterance

    def _cut(self, start: int, end: int) -> Utterance:
        audio = self.audio[start - self.base : end - self.base].copy()
        return Utterance(start=start, end=end, audio=audio)

    def _trim(self) -> None:
        """Keep the open utterance, or the padding a new one would start with."""
        keep_from = self.start if self.start is not None else self.position - self.pad
        drop = max(0, keep_from - self.base)
        if drop:
            self.audio = self.audio[drop:]
            self.base += drop

    @staticmethod
    def _samples(ms: int) -> int:
        return SAMPLE_RATE * ms // 1000


# --- the engine --------------------------------------------------------------------------
PAUSE = object()  # queue marker: close the open utterance
FINISH = None  # queue marker: close it and stop


class OfflineEngine(Engine):
    name = "offline"

    async def start(
        self,
        *,
        sample_rate,
        language,
        on_result,
        on_failure=None,
        offset_ms=0,
        keyterms=None,
    ):
        if sample_rate != SAMPLE_RATE:
            raise EngineError("The offline engine takes 16 kHz audio only.")
        if language.split("-")[0].lower() != "en":
            raise EngineError("The offline engine transcribes English only.")
        STREAMS.acquire()
        self.released = False
        try:
            await asyncio.to_thread(whisper_model)
            # The lexicon loads beside the recording, not before "ready".
            asyncio.get_running_loop().run_in_executor(None, clinical.warm)
            self.endpointer = await asyncio.to_thread(Endpointer)
        except Exception as exc:
            self._release()
            logger.exception("The Whisper model could not be loaded")
            raise EngineError("The speech engine could not start.") from exc
        self.on_result, self.on_failure = on_result, on_failure
        self.offset_ms = offset_ms
        self.beam_size = settings.WHISPER_BEAM_SIZE
        self.prompt = whisper_prompt(keyterms)
        self.prompted = prompted_words(self.prompt)
        self.queue: asyncio.Queue = asyncio.Queue()
        self.last_interim = 0.0  # monotonic time of the last interim decode
        self.interim_upto = 0  # stream samples the last interim covered
        # Interim decodes run beside the worker, so a final never waits for one.
        self.interim_task: asyncio.Task | None = None
        self.turns = Turns()  # speakers and roles from what is said
        self.worker = asyncio.create_task(self._work())

    async def send_audio(self, pcm: bytes) -> None:
        self.queue.put_nowait(pcm)

    async def pause(self) -> None:
        self.queue.put_nowait(PAUSE)

    async def finish(self) -> None:
        self.queue.put_nowait(FINISH)
        try:
            await self.worker
        finally:
            await self._stop_interim()
            self._release()

    async def abort(self) -> None:
        self.worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.worker
        await self._stop_interim()
        self._release()

    async def _stop_interim(self) -> None:
        if self.interim_task is not None:
            self.interim_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, EngineError):
                await self.interim_task

    def _release(self) -> None:
        if not self.released:
            self.released = True
            STREAMS.release()

    async def _work(self) -> None:
        try:
            while await self._step():
                pass
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("The offline engine failed")
            if self.on_failure is not None:
                await self.on_failure(EngineError("The speech engine failed."))

    async def _step(self) -> bool:
        """Take the audio queued so far; False once finished."""
        items = [await self.queue.get()]
        while not self.queue.empty() and items[-1] not in (PAUSE, FINISH):
            items.append(self.queue.get_nowait())
        marker = items[-1]
        pcm = b"".join(i for i in items if isinstance(i, bytes))
        ended = await asyncio.to_thread(
            self.endpointer.feed, pcm, flush=marker in (PAUSE, FINISH)
        )
        for utterance in ended:
            segments = await decoders().decode(
                utterance.audio, beam_size=self.beam_size, prompt=self.prompt
            )
            final = await asyncio.to_thread(self._final, utterance, segments)
            if final is not None:  # with its speaker, cut in two if it changes in it
                for turn in self.turns.assign(final):
                    await self.on_result(turn)
        if marker is FINISH:
            return False
        self._interim()
        return True

    def _interim(self) -> None:
        utterance = self.endpointer.open_utterance
        now = time.monotonic()
        if (
            utterance is None
            or utterance.end - utterance.start < INTERIM_MIN_S * SAMPLE_RATE
            or now - self.last_interim < INTERIM_EVERY_S
            or utterance.end - self.interim_upto < INTERIM_MIN_NEW_S * SAMPLE_RATE
            or not self.queue.empty()  # behind: catch up first
            or (self.interim_task is not None and not self.interim_task.done())
        ):
            return
        self.last_interim, self.interim_upto = now, utterance.end
        self.interim_task = asyncio.create_task(self._interim_decode(utterance))

    async def _interim_decode(self, utterance: Utterance) -> None:
        """Interim text of the open utterance, sent only while it is still open (so
        never after its final)."""
        try:
            segments = await decoders().decode(
                utterance.audio, beam_size=1, prompt=self.prompt, only_if_idle=True
            )
        except Exception:
            logger.exception("An interim decode failed")
            return
        text = kept_text(segments or ())
        if text and self.endpointer.start == utterance.start:
            await self.on_result(self._result(utterance, text, is_final=False))

    def _final(self, utterance: Utterance, segments) -> Result | None:
        start = self.offset_ms + utterance.start * 1000 // SAMPLE_RATE
        return clinical.final_result(
            segments,
            start_ms=start,
            end_ms=self.offset_ms + utterance.end * 1000 // SAMPLE_RATE,
            offset_s=start / 1000,
            prompted=self.prompted,
        )

    def _result(self, utterance: Utterance, text: str, *, is_final: bool) -> Result:
        return Result(
            text=text,
            is_final=is_final,
            start_ms=self.offset_ms + utterance.start * 1000 // SAMPLE_RATE,
            end_ms=self.offset_ms + utterance.end * 1000 // SAMPLE_RATE,
        )


def transcribe_recording(
    samples: np.ndarray,
    *,
    beam_size: int,
    on_progress=None,
    keyterms=None,
    model: str | None = None,
) -> list[Result]:
    """Transcribe a whole recording (16 kHz mono float samples), blocking, with the
    Whisper model `model` (WHISPER_UPLOAD_MODEL when None); `on_progress(seconds)` is
    called with how far it has got; `keyterms` is the vocabulary to favour (the
    default list when None)."""
    prompt = whisper_prompt(keyterms)
    heard = decode_recording(
        whisper_model(model or settings.WHISPER_UPLOAD_MODEL),
        samples,
        beam_size=beam_size,
        prompt=prompt,
        on_progress=on_progress,
    )
    results = [
        clinical.final_result(
            piece.segments,
            start_ms=int(piece.start * 1000),
            end_ms=int(piece.end * 1000),
            offset_s=piece.offset,
            prompted=prompted_words(prompt),
        )
        for piece in heard
    ]
    # speakers and roles from what was said
    return assign([r for r in results if r is not None])


def real_time_factor(pcm: bytes) -> float:
    """Seconds of decoding per second of `pcm`, utterance by utterance as a live
    stream is decoded (bench/ws.py's figure; bench/asr.py measures more)."""
    endpointer = Endpointer()
    began = time.perf_counter()
    step = SAMPLE_RATE // 10 * 2
    utterances = []
    for i in range(0, len(pcm), step):
        utterances += endpointer.feed(pcm[i : i + step], flush=i + step >= len(pcm))
    for utterance in utterances:
        transcribe(utterance.audio, settings.WHISPER_BEAM_SIZE)
    return (time.perf_counter() - began) / (len(pcm) / (2 * SAMPLE_RATE))
