"""Deepgram through the deepgram-sdk: its async live client for recordings, its
pre-recorded API for uploads (`transcribe_file`).

Every connection asks for nova-3-medical (DEEPGRAM_MODEL) with punctuation, smart
formatting and diarization, the clinical vocabulary as keyterm prompts, and
`mip_opt_out=true`, so patient audio is never kept for model training. Audio sent but not yet covered by a final result is kept; when the
upstream connection drops mid-encounter the engine reconnects and sends that audio
again, so no final words are lost and none arrive twice (the new connection's
results start after the last final one).
"""

import asyncio
import contextlib
import logging
import time
from collections import Counter
from pathlib import Path

from django.conf import settings

from transcription.engines.base import BYTES_PER_SECOND, Engine, EngineError, Result
from transcription.engines.keyterms import keyterms_for_request

logger = logging.getLogger(__name__)

RESEND_CHUNK = BYTES_PER_SECOND // 2


def deepgram_client(*, asynchronous: bool = True):
    """The SDK's client, at DEEPGRAM_URL when set (a proxy, or a test's server)."""
    from deepgram import AsyncDeepgramClient, DeepgramClient, DeepgramClientEnvironment

    client = AsyncDeepgramClient if asynchronous else DeepgramClient
    url = (settings.DEEPGRAM_URL or "").rstrip("/")
    if not url:
        return client(api_key=settings.DEEPGRAM_API_KEY)
    http = url.replace("wss://", "https://", 1).replace("ws://", "http://", 1)
    socket = http.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    environment = DeepgramClientEnvironment(
        base=http, production=socket, agent=socket, agent_rest=http
    )
    return client(api_key=settings.DEEPGRAM_API_KEY, environment=environment)


# Pre-recorded audio (uploads): one request, answered when the whole file is done.
# `latest` diarization is the batch diarizer (v2 today); `utterances` cuts the
# transcript where the speaker changes or pauses, one segment each.
UPLOAD_TIMEOUT_SECONDS = 600
UPLOAD_RETRY_DELAYS = (2.0, 8.0)  # after a 429, a 5xx or a lost connection


def _transient(exc: Exception) -> bool:
    import httpx
    from deepgram.core.api_error import ApiError

    if isinstance(exc, ApiError):
        return (
            exc.status_code is None or exc.status_code == 429 or exc.status_code >= 500
        )
    return isinstance(exc, httpx.TransportError)


def transcribe_file(path, *, keyterms=None, sleep=time.sleep) -> list[Result]:
    """An uploaded recording (any format Deepgram reads) through the pre-recorded
    API, blocking; transient failures are retried with backoff. Raises EngineError
    with a message for the user when Deepgram refuses or stays away."""
    options = {
        "model": settings.DEEPGRAM_MODEL,
        "smart_format": True,
        "punctuate": True,
        "diarize_model": "latest",
        "utterances": True,
        "mip_opt_out": True,
    }
    if settings.DEEPGRAM_MODEL.startswith("nova-3"):
        options["keyterm"] = keyterms_for_request(keyterms)
    audio = Path(path).read_bytes()
    client = deepgram_client(asynchronous=False)
    for attempt in range(len(UPLOAD_RETRY_DELAYS) + 1):
        try:
            response = client.listen.v1.media.transcribe_file(
                request=audio,
                **options,
                request_options={
                    "timeout_in_seconds": UPLOAD_TIMEOUT_SECONDS,
                    "max_retries": 0,  # ours, with backoff, below
                },
            )
            break
        except Exception as exc:
            if not _transient(exc) or attempt == len(UPLOAD_RETRY_DELAYS):
                logger.warning("Deepgram could not transcribe an upload: %s", exc)
                raise EngineError(
                    "The speech service could not transcribe this recording."
                ) from exc
            sleep(UPLOAD_RETRY_DELAYS[attempt])
    utterances = getattr(response.results, "utterances", None) or []
    return [
        Result(
            text=u.transcript.strip(),
            is_final=True,
            start_ms=int((u.start or 0) * 1000),
            end_ms=int((u.end or 0) * 1000),
            speaker=u.speaker,
            confidence=u.confidence,
        )
        for u in utterances
        if (u.transcript or "").strip()
    ]


class DeepgramEngine(Engine):
    name = "deepgram"
    keepalive_seconds = 3.0
    reconnect_delays = (0.1, 0.5, 1.0, 2.0, 4.0)
    close_timeout = 10.0

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
        self.on_result, self.on_failure = on_result, on_failure
        self.offset_ms = offset_ms
        self.options = {
            "model": settings.DEEPGRAM_MODEL,
            "encoding": "linear16",
            "sample_rate": sample_rate,
            "channels": 1,
            "language": language,
            "interim_results": True,
            "smart_format": True,
            "punctuate": True,
            # `diarize` is deprecated: `diarize_model` turns diarization on and picks
            # the streaming diarizer (`latest` resolves to v1 on streams).
            "diarize_model": "latest",
            "utterance_end_ms": 1000,
            "mip_opt_out": True,
        }
        if settings.DEEPGRAM_MODEL.startswith("nova-3"):  # keyterms are Nova-3 only
            self.options["keyterm"] = keyterms_for_request(keyterms)
        self.client = deepgram_client()
        self.unacked = bytearray()  # audio from `acked` to `total`, not yet final
        self.acked = 0  # bytes of the stream covered by final results
        self.total = 0  # bytes of the stream received
        self.base = 0  # where the current connection's audio starts in the stream
        self.sent = 0  # how far the current connection has been sent
        self.ready = False
        self.paused = False
        self.closing = False
        self.ended = asyncio.Event()
        self.socket = None
        self.context = None
        try:
            await self._connect()
        except Exception as exc:
            raise EngineError("The speech service is unreachable.") from exc
        self.receiver = asyncio.create_task(self._receive_forever())
        self.keepalive = asyncio.create_task(self._keep_alive())

    async def _connect(self) -> None:
        self.context = self.client.listen.v1.connect(**self.options)
        self.socket = await self.context.__aenter__()
        self.base = self.sent = self.acked
        # Resend what no final result covered yet, then go live.
        while self.sent < self.total:
            start = self.sent - self.acked
            chunk = bytes(self.unacked[start : start + RESEND_CHUNK])
            await self.socket.send_media(chunk)
            self.sent += len(chunk)
        self.ready = True
        if self.closing:
            await self._send_close()

    async def _disconnect(self) -> None:
        self.ready = False
        context, self.context, self.socket = self.context, None, None
        if context is not None:
            with contextlib.suppress(Exception):
                await context.__aexit__(None, None, None)

    async def send_audio(self, pcm: bytes) -> None:
        self.unacked += pcm
        self.total += len(pcm)
        if not self.ready:
            return  # the reconnection sends it
        try:
            await self.socket.send_media(pcm)
            self.sent += len(pcm)
        except Exception:  # the receive loop sees the drop and reconnects
            self.ready = False

    async def pause(self) -> None:
        self.paused = True

    async def resume(self) -> None:
        self.paused = False

    async def _keep_alive(self) -> None:
        """Deepgram closes after ~10 s without audio; the SDK sends no KeepAlive."""
        while True:
            await asyncio.sleep(self.keepalive_seconds)
            if self.paused and self.ready:
                with contextlib.suppress(Exception):
                    await self.socket.send_keep_alive()

    async def _receive_forever(self) -> None:
        try:
            while True:
                clean = await self._receive()
                await self._disconnect()
                if clean and self.closing:
                    return
                await self._reconnect()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not isinstance(exc, EngineError):
                logger.exception("Deepgram results could not be handled")
                exc = EngineError("The transcript could not be saved.")
            if self.on_failure is not None:
                await self.on_failure(exc)
        finally:
            self.ended.set()

    async def _receive(self) -> bool:
        """Handle one connection's messages; True when it ended with Metadata."""
        from deepgram.listen.v1.types import ListenV1Metadata, ListenV1Results

        while True:
            try:
                message = await self.socket.recv()
            except Exception:
                if not self.closing:
                    logger.warning("Deepgram connection dropped; reconnecting")
                return False
            if isinstance(message, ListenV1Results):
                await self._results(message)
            elif isinstance(message, ListenV1Metadata):
                return True

    async def _reconnect(self) -> None:
        for delay in self.reconnect_delays:
            await asyncio.sleep(delay)
            try:
                await self._connect()
                return
            except Exception:
                await self._disconnect()
        raise EngineError("The speech service connection was lost.")

    async def _results(self, message) -> None:
        alternative = message.channel.alternatives[0]
        start = self.base / BYTES_PER_SECOND + message.start
        end = start + message.duration
        if message.is_final:
            covered = min(self.total, int(end * BYTES_PER_SECOND) & ~1)
            if covered > self.acked:
                del self.unacked[: covered - self.acked]
                self.acked = covered
        text = alternative.transcript.strip()
        if not text:
            return
        speakers = Counter(
            w.speaker for w in alternative.words if w.speaker is not None
        )
        await self.on_result(
            Result(
                text=text,
                is_final=bool(message.is_final),
                start_ms=self.offset_ms + int(start * 1000),
                end_ms=self.offset_ms + int(end * 1000),
                speaker=speakers.most_common(1)[0][0] if speakers else None,
                confidence=alternative.confidence,
            )
        )

    async def _send_close(self) -> None:
        with contextlib.suppress(Exception):
            await self.socket.send_finalize()
            await self.socket.send_close_stream()

    async def finish(self) -> None:
        """Finalize, close the stream cleanly, and wait for its last results."""
        self.closing = True
        if self.ready:
            await self._send_close()
        try:
            await asyncio.wait_for(self.ended.wait(), self.close_timeout)
        except TimeoutError:
            logger.warning("Deepgram did not close the stream in time")
        await self.abort()

    async def abort(self) -> None:
        self.closing = True
        for task in (self.keepalive, self.receiver):
            if task is asyncio.current_task():
                continue
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._disconnect()
