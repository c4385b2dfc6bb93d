"""A local server speaking Deepgram's live transcription protocol (`/v1/listen`).

It "recognises" the test audio deterministically: every 100 ms frame (3200 bytes of
16 kHz linear16) is one word, `w<N>`, where N is the frame's first sample. A test that
numbers its frames can then check that the stored transcript has every word once.
It sends interim Results after every frame, a final Results every `words_per_final`
frames followed by UtteranceEnd, honours KeepAlive, Finalize (a final with
`from_finalize`) and CloseStream (pending final, Metadata, clean close), closes an idle
stream like Deepgram (about 10 s without audio or KeepAlive), and can drop the
connection mid-stream (`drop_after_frames`), once.
"""

import asyncio
import json
import struct
import threading
import uuid
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import serve
from websockets.datastructures import Headers
from websockets.http11 import Response

FRAME = 3200
SECONDS_PER_FRAME = 0.1


class FakeDeepgram:
    def __init__(
        self,
        *,
        api_key: str = "test-deepgram-key",
        words_per_final: int = 5,
        idle_timeout: float = 10.0,
        drop_after_frames: int | None = None,
    ):
        self.api_key = api_key
        self.words_per_final = words_per_final
        self.idle_timeout = idle_timeout
        self.drop_after_frames = drop_after_frames
        self.connections: list[dict] = []  # the query of each accepted connection
        self.queries: list[dict[str, list[str]]] = []  # the same, repeated keys kept
        self.keepalives = 0
        self.finalizes = 0
        self.close_streams = 0
        self.drops = 0
        self.idle_closes = 0
        self.frames_received = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server = None
        self._ready = threading.Event()
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    # --- lifecycle (a thread of its own, so sync and async tests can use it) -------
    def start(self) -> "FakeDeepgram":
        threading.Thread(target=self._run, daemon=True).start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop and self._server:
            self._loop.call_soon_threadsafe(self._server.close)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        async with serve(
            self._handle, "127.0.0.1", 0, process_request=self._authorise
        ) as server:
            self._server = server
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await server.wait_closed()

    def _authorise(self, connection, request):
        if urlsplit(request.path).path != "/v1/listen":
            return Response(404, "Not Found", Headers(), b"")
        if request.headers.get("Authorization") != f"Token {self.api_key}":
            return Response(401, "Unauthorized", Headers(), b"INVALID_AUTH")
        return None

    # --- one connection ------------------------------------------------------------
    async def _handle(self, ws) -> None:
        full = parse_qs(urlsplit(ws.request.path).query)
        self.queries.append(full)
        self.connections.append({k: v[0] for k, v in full.items()})
        stream = _Stream(self, ws)
        while True:
            try:
                message = await asyncio.wait_for(ws.recv(), self.idle_timeout)
            except TimeoutError:
                self.idle_closes += 1
                await ws.close(1011, "NET-0001: no audio received")
                return
            except Exception:
                return
            if isinstance(message, bytes):
                if await stream.audio(message):
                    return
                continue
            kind = json.loads(message).get("type")
            if kind == "KeepAlive":
                self.keepalives += 1
            elif kind == "Finalize":
                self.finalizes += 1
                await stream.final(from_finalize=True)
            elif kind == "CloseStream":
                self.close_streams += 1
                await stream.final(from_finalize=True)
                await ws.send(json.dumps(stream.metadata()))
                await ws.close(1000)
                return


class _Stream:
    def __init__(self, server: FakeDeepgram, ws):
        self.server, self.ws = server, ws
        self.buffer = b""
        self.frames = 0  # frames recognised on this connection
        self.pending: list[tuple[int, str]] = []  # (frame index, word) not yet final
        self.finals = 0
        self.request_id = str(uuid.uuid4())

    async def audio(self, data: bytes) -> bool:
        """Recognise complete frames; True when the connection was dropped."""
        self.buffer += data
        while len(self.buffer) >= FRAME:
            frame, self.buffer = self.buffer[:FRAME], self.buffer[FRAME:]
            (value,) = struct.unpack_from("<h", frame)
            self.pending.append((self.frames, f"w{value}"))
            self.frames += 1
            self.server.frames_received += 1
            drop = self.server.drop_after_frames
            if drop is not None and self.server.frames_received >= drop:
                self.server.drop_after_frames = None
                self.server.drops += 1
                self.ws.transport.abort()  # no close frame: a network failure
                return True
            if len(self.pending) >= self.server.words_per_final:
                await self.final(from_finalize=False)
            else:
                await self.ws.send(json.dumps(self.results(is_final=False)))
        return False

    async def final(self, *, from_finalize: bool) -> None:
        if not self.pending:
            if from_finalize:
                await self.ws.send(
                    json.dumps(self.results(is_final=True, from_finalize=True))
                )
            return
        message = self.results(is_final=True, from_finalize=from_finalize)
        last_end = message["start"] + message["duration"]
        self.pending = []
        self.finals += 1
        await self.ws.send(json.dumps(message))
        await self.ws.send(
            json.dumps(
                {"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": last_end}
            )
        )

    def results(self, *, is_final: bool, from_finalize: bool = False) -> dict:
        first = self.pending[0][0] if self.pending else self.frames
        words = [
            {
                "word": word,
                "punctuated_word": word,
                "start": index * SECONDS_PER_FRAME,
                "end": (index + 1) * SECONDS_PER_FRAME,
                "confidence": 0.99,
                "speaker": self.finals % 2,
            }
            for index, word in self.pending
        ]
        return {
            "type": "Results",
            "channel_index": [0, 1],
            "duration": len(self.pending) * SECONDS_PER_FRAME,
            "start": first * SECONDS_PER_FRAME,
            "is_final": is_final,
            "speech_final": is_final,
            "from_finalize": from_finalize,
            "channel": {
                "alternatives": [
                    {
                        "transcript": " ".join(w["word"] for w in words),
                        "confidence": 0.99,
                        "words": words,
                    }
                ]
            },
            "metadata": {
                "request_id": self.request_id,
                "model_info": {"name": "fake", "version": "1", "arch": "fake"},
                "model_uuid": "00000000-0000-0000-0000-000000000000",
            },
        }

    def metadata(self) -> dict:
        return {
            "type": "Metadata",
            "transaction_key": "deprecated",
            "request_id": self.request_id,
            "sha256": "0" * 64,
            "created": "2026-01-01T00:00:00.000Z",
            "duration": self.frames * SECONDS_PER_FRAME,
            "channels": 1,
        }


def numbered_frames(first: int, count: int) -> list[bytes]:
    """`count` frames of 100 ms whose samples all hold the frame's number."""
    return [struct.pack("<h", n) * (FRAME // 2) for n in range(first, first + count)]
