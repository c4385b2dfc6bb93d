"""A local server speaking the OpenAI Chat Completions streaming protocol, as vLLM,
Ollama, llama.cpp's llama-server and LM Studio serve it.

`POST /v1/chat/completions` with `"stream": true` answers server-sent events of
`chat.completion.chunk` objects: a first chunk with the assistant role, then content
deltas, then a chunk with `finish_reason`, then (when `stream_options.include_usage`)
a chunk with empty `choices` and the usage, then `data: [DONE]`. A test queues what
the next answers do (`FakeOpenAI.script(...)`): the content, an HTTP error status,
a cut-off (`finish_reason: length`), a dropped connection mid-stream. With nothing
queued it answers the note's JSON from the request (each section asked for, quoting
segments). Every request is recorded.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

from tests.fakes.anthropic_server import FakeAnthropic, Recorded, request_outline
from tests.fakes.serving import serve


@dataclass
class Answer:
    status: int = 200
    content: str | None = None  # None: the note's JSON drafted from the request
    chunk_size: int = 16
    finish_reason: str = "stop"
    drop_after_chunks: int | None = None  # close the connection mid-stream
    prompt_tokens: int = 211


class FakeOpenAI(FakeAnthropic):
    """The same scripted fake, serving /v1/chat/completions."""

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def default_answer(self) -> Answer:
        return Answer()


def note_from_request(body: dict) -> str:
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    keys, segments = request_outline(user)
    seqs = sorted(segments)
    sections = [
        {
            "key": key,
            "statements": [
                {
                    "text": segments[seqs[i % len(seqs)]],
                    "segments": [seqs[i % len(seqs)]],
                }
            ],
        }
        for i, key in enumerate(keys)
    ]
    return json.dumps({"sections": sections})


class _Handler(BaseHTTPRequestHandler):
    server_version = "fake-openai/1"
    protocol_version = "HTTP/1.1"
    fake: FakeOpenAI

    def log_message(self, format, *args):  # noqa: A002 - quiet test output
        return

    def do_POST(self):  # noqa: N802 - http.server's naming
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.fake.requests.append(Recorded(self.path, headers, body, time.monotonic()))
        answer = self.fake.next_answer()
        if self.path.split("?")[0] != "/v1/chat/completions":
            return self._json(404, _error("Not found", "invalid_request_error"))
        if answer.status != 200:
            return self._json(answer.status, _error("fake failure", "server_error"))
        self._stream(body, answer)

    def _json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _chunk(self, body: dict, delta: dict, finish=None, usage=None) -> bytes:
        payload = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 1_764_600_000,
            "model": body.get("model", "fake-model"),
            "choices": []
            if delta is None
            else [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        if usage is not None:
            payload["usage"] = usage
        return f"data: {json.dumps(payload)}\n\n".encode()

    def _stream(self, body: dict, answer: Answer) -> None:
        text = answer.content if answer.content is not None else note_from_request(body)
        pieces = [
            text[i : i + answer.chunk_size]
            for i in range(0, len(text), answer.chunk_size)
        ]
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("connection", "close")
        self.end_headers()
        self.close_connection = True
        send = self._send
        send(self._chunk(body, {"role": "assistant", "content": ""}))
        for number, piece in enumerate(pieces):
            if (
                answer.drop_after_chunks is not None
                and number == answer.drop_after_chunks
            ):
                return  # the connection closes with no [DONE]
            send(self._chunk(body, {"content": piece}))
        send(self._chunk(body, {}, finish=answer.finish_reason))
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {
                "prompt_tokens": answer.prompt_tokens,
                "completion_tokens": max(1, len(text) // 4),
                "total_tokens": answer.prompt_tokens + max(1, len(text) // 4),
            }
            send(self._chunk(body, None, usage=usage))
        send(b"data: [DONE]\n\n")

    def _send(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()


def _error(message: str, kind: str) -> dict:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def fake_openai():
    """Serve a FakeOpenAI on a free loopback port for the duration."""
    return serve(FakeOpenAI(), _Handler)
