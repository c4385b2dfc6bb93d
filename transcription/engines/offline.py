"""The embedded engine: pocketsphinx's bundled US-English model, decoded off the
event loop in a worker thread; its voice-activity endpointer ends each utterance
as one final result."""

import asyncio
import contextlib
import logging

from transcription.engines.base import BYTES_PER_SECOND, Engine, EngineError, Result

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16000


class _Decoder:
    """pocketsphinx state for one stream; used from one worker thread at a time."""

    def __init__(self) -> None:
        from pocketsphinx import Decoder, Endpointer

        self.decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
        self.endpointer = Endpointer(sample_rate=SAMPLE_RATE)
        self.frame_bytes = self.endpointer.frame_bytes
        self.pending = b""
        self.in_utterance = False
        self.utterance_start = 0.0

    def feed(self, pcm: bytes, *, flush: bool = False) -> list[Result]:
        """Decode `pcm`; return the interim and final results it produced."""
        self.pending += pcm
        results: list[Result] = []
        size = self.frame_bytes
        while len(self.pending) >= size:
            frame, self.pending = self.pending[:size], self.pending[size:]
            self._frame(self.endpointer.process(frame), results)
        if flush:
            tail = self.pending.ljust(size, b"\0") if self.pending else None
            self.pending = b""
            speech = self.endpointer.end_stream(tail) if tail else None
            if speech is not None or self.in_utterance:
                if speech is not None:
                    self._start_if_needed()
                    self.decoder.process_raw(speech, False, False)
                self._end(results)
        elif self.in_utterance:
            hyp = self.decoder.hyp()
            if hyp is not None and hyp.hypstr:
                results.append(self._result(hyp.hypstr, is_final=False))
        return results

    def _start_if_needed(self) -> None:
        if not self.in_utterance:
            self.decoder.start_utt()
            self.in_utterance = True
            self.utterance_start = self.endpointer.speech_start

    def _frame(self, speech: bytes | None, results: list[Result]) -> None:
        if speech is None:
            return
        self._start_if_needed()
        self.decoder.process_raw(speech, False, False)
        if not self.endpointer.in_speech:
            self._end(results)

    def _end(self, results: list[Result]) -> None:
        self.decoder.end_utt()
        self.in_utterance = False
        hyp = self.decoder.hyp()
        text = hyp.hypstr.strip() if hyp is not None else ""
        if text:
            results.append(self._result(text, is_final=True))

    def _result(self, text: str, *, is_final: bool) -> Result:
        end = self.endpointer.speech_end if is_final else self.utterance_start
        return Result(
            text=text,
            is_final=is_final,
            start_ms=int(self.utterance_start * 1000),
            end_ms=int(max(end, self.utterance_start) * 1000),
            speaker=None,
        )


class OfflineEngine(Engine):
    name = "offline"

    async def start(
        self, *, sample_rate, language, on_result, on_failure=None, offset_ms=0
    ):
        if sample_rate != SAMPLE_RATE:
            raise EngineError("The offline engine takes 16 kHz audio only.")
        self.on_result = on_result
        self.offset_ms = offset_ms
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.state = await asyncio.to_thread(_Decoder)
        self.worker = asyncio.create_task(self._work())

    async def send_audio(self, pcm: bytes) -> None:
        self.queue.put_nowait(pcm)

    async def _work(self) -> None:
        """Decode queued audio in order, one batch at a time, in a worker thread."""
        done = False
        while not done:
            chunks = [await self.queue.get()]
            while not self.queue.empty():
                chunks.append(self.queue.get_nowait())
            done = chunks[-1] is None
            pcm = b"".join(c for c in chunks if c)
            results = await asyncio.to_thread(self.state.feed, pcm, flush=done)
            for result in results:
                await self.on_result(self._shift(result))

    def _shift(self, result: Result) -> Result:
        return Result(
            text=result.text,
            is_final=result.is_final,
            start_ms=result.start_ms + self.offset_ms,
            end_ms=result.end_ms + self.offset_ms,
            speaker=result.speaker,
        )

    async def finish(self) -> None:
        self.queue.put_nowait(None)
        await self.worker

    async def abort(self) -> None:
        self.worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.worker


def real_time_factor(pcm: bytes) -> float:
    """Seconds of decoding per second of audio for `pcm` (the benchmark's figure)."""
    import time

    state = _Decoder()
    began = time.perf_counter()
    step = BYTES_PER_SECOND // 10
    for i in range(0, len(pcm), step):
        state.feed(pcm[i : i + step])
    state.feed(b"", flush=True)
    return (time.perf_counter() - began) / (len(pcm) / BYTES_PER_SECOND)
