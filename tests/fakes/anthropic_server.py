"""A local server speaking the Anthropic Messages API's streaming protocol.

`POST /v1/messages` with `"stream": true` answers server-sent events exactly as the
API does: `message_start`, then per block `content_block_start`,
`content_block_delta` ... `content_block_stop`, then `message_delta` (stop reason
and usage) and `message_stop`, with `ping` events. A request with `tools` gets a
`tool_use` block calling the first tool, its input streamed as `input_json_delta`
pieces (`partial_json`), stop reason `tool_use`; one without gets a `text` block of
`text_delta`s. A test queues what the next answers do (`FakeAnthropic.script(...)`):
the tool input's JSON text, a 429 or 529 answer, an `error` event in the middle of
the stream, a cut-off at max_tokens, a delay before the first token, a pause before
a given part of the answer until the test releases it. With nothing
queued it drafts a note from the request itself (each section asked for, quoting
segments of the transcript). Every request is recorded.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from tests.fakes.serving import serve
from tests.waiting import DEADLINE


@dataclass
class Answer:
    """What one request gets."""

    status: int = 200
    text: str | None = None  # None: draft from the request
    json: str | None = None  # the tool input's JSON text; None: draft from the request
    stop_reason: str | None = None  # None: tool_use or end_turn
    chunk_size: int = 12
    first_token_delay: float = 0.0  # seconds between message_start and the first text
    chunk_delay: float = 0.0
    fail_after_chunks: int | None = None  # send an `error` event after this many
    # Pause before the chunk that holds this text until `release` is set, so a test
    # sees the stream mid-way as a state, not within a time (a deadline ends a hang).
    hold_before: str | None = None
    release: threading.Event | None = None
    error_type: str = "overloaded_error"
    input_tokens: int = 321
    cache_read_input_tokens: int = 0


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict
    at: float


@dataclass
class FakeAnthropic:
    host: str = "127.0.0.1"
    port: int = 0
    requests: list[Recorded] = field(default_factory=list)
    first_token_at: list[float] = field(default_factory=list)
    # Per stream its reader closed early: how many of its text chunks went unsent.
    cut_off: list[int] = field(default_factory=list)
    _queue: list[Answer] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def script(self, *answers: Answer) -> None:
        """Queue the answers of the next requests; then it drafts normally."""
        with self._lock:
            self._queue.extend(answers)

    def reset(self) -> None:
        """Forget what was asked and scripted (one fake shared by a module's tests)."""
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.first_token_at.clear()
            self.cut_off.clear()

    def next_answer(self) -> Answer:
        with self._lock:
            return self._queue.pop(0) if self._queue else self.default_answer()

    def default_answer(self):
        return Answer()


def _user_text(body: dict) -> str:
    user = body["messages"][-1]["content"]
    if isinstance(user, list):
        user = "".join(part.get("text", "") for part in user)
    return user


def request_outline(user: str) -> tuple[list[str], dict[int, str]]:
    """The section keys asked for, and the transcript's segments, from a prompt."""
    wanted = re.search(r"Write these sections, in this order: (.+?)\.\n", user + "\n")
    keys = [k.strip() for k in wanted.group(1).split(",")] if wanted else ["note"]
    segments = {
        int(seq): text
        for seq, text in re.findall(r"^\[S(\d+)\] [^:]*:\d\d[^:]*: (.*)$", user, re.M)
    }
    return keys, segments or {1: "Something was said."}


def draft_from_request(body: dict) -> str:
    """A plausible note for the sections the request asks for, citing segments."""
    keys, segments = request_outline(_user_text(body))
    seqs = sorted(segments)
    parts = []
    for index, key in enumerate(keys):
        seq = seqs[index % len(seqs)]
        parts.append(
            f"## {key}\nStatement drafted by the fake model for {key}. [S{seq}]\n"
            f"A second statement. [S{seqs[-1]}]\n"
        )
    return "\n".join(parts)


def tool_input_from_request(body: dict) -> str:
    """The tool input JSON: per section asked for, statements quoting segments."""
    keys, segments = request_outline(_user_text(body))
    seqs = sorted(segments)
    sections = []
    for index, key in enumerate(keys):
        first, last = seqs[index % len(seqs)], seqs[-1]
        statements = [{"text": segments[first], "segments": [first]}]
        if last != first:
            statements.append({"text": segments[last], "segments": [last]})
        sections.append({"key": key, "statements": statements})
    return json.dumps({"sections": sections})


def _event(name: str, data: dict) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


class _Handler(BaseHTTPRequestHandler):
    server_version = "fake-anthropic/1"
    protocol_version = "HTTP/1.1"
    fake: FakeAnthropic

    def log_message(self, format, *args):  # noqa: A002 - quiet test output
        return

    def do_POST(self):  # noqa: N802 - http.server's naming
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self.fake.requests.append(
            Recorded(
                self.path,
                {k.lower(): v for k, v in self.headers.items()},
                body,
                time.monotonic(),
            )
        )
        answer = self.fake.next_answer()
        if self.path.split("?")[0] != "/v1/messages":
            return self._json(404, _error("not_found_error", "Not found"))
        if answer.status != 200:
            kind = {429: "rate_limit_error", 529: "overloaded_error"}.get(
                answer.status, "api_error"
            )
            return self._json(
                answer.status,
                _error(kind, "fake failure"),
                {"retry-after-ms": "10", "retry-after": "0"},
            )
        self._stream(body, answer)

    def _json(self, status: int, payload: dict, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", "req_fake")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, body: dict, answer: Answer) -> None:
        tool = (body.get("tools") or [None])[0]
        if tool is not None:
            text = (
                answer.json
                if answer.json is not None
                else tool_input_from_request(body)
            )
            block = {
                "type": "tool_use",
                "id": "toolu_fake",
                "name": tool["name"],
                "input": {},
            }
            delta_kind, delta_field = "input_json_delta", "partial_json"
            stop_reason = answer.stop_reason or "tool_use"
        else:
            text = answer.text if answer.text is not None else draft_from_request(body)
            block = {"type": "text", "text": ""}
            delta_kind, delta_field = "text_delta", "text"
            stop_reason = answer.stop_reason or "end_turn"
        chunks = [
            text[i : i + answer.chunk_size]
            for i in range(0, len(text), answer.chunk_size)
        ]
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("connection", "close")
        self.end_headers()
        self.close_connection = True
        message = {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "claude-fake"),
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {
                "input_tokens": answer.input_tokens,
                "output_tokens": 1,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": answer.cache_read_input_tokens,
            },
        }
        send = self._send
        send(_event("message_start", {"type": "message_start", "message": message}))
        send(
            _event(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": block,
                },
            )
        )
        send(_event("ping", {"type": "ping"}))
        hold_at = (
            text.index(answer.hold_before) // answer.chunk_size
            if answer.hold_before is not None
            else None
        )
        if answer.first_token_delay:
            time.sleep(answer.first_token_delay)
        for number, chunk in enumerate(chunks):
            if (
                answer.fail_after_chunks is not None
                and number == answer.fail_after_chunks
            ):
                send(
                    _event(
                        "error", _error(answer.error_type, "fake failure mid-stream")
                    )
                )
                return
            if number == hold_at:
                assert answer.release is not None, "hold_before needs a release"
                answer.release.wait(timeout=DEADLINE)
            if number == 0:
                self.fake.first_token_at.append(time.monotonic())
            delta = {"type": delta_kind, delta_field: chunk}
            try:
                send(
                    _event(
                        "content_block_delta",
                        {"type": "content_block_delta", "index": 0, "delta": delta},
                    )
                )
            except ConnectionError:  # the reader stopped the stream: note how early
                self.fake.cut_off.append(len(chunks) - number)
                return
            if answer.chunk_delay:
                time.sleep(answer.chunk_delay)
        send(_event("content_block_stop", {"type": "content_block_stop", "index": 0}))
        send(
            _event(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                    "usage": {"output_tokens": max(1, len(text) // 4)},
                },
            )
        )
        send(_event("message_stop", {"type": "message_stop"}))

    def _send(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()


def _error(kind: str, message: str) -> dict:
    return {"type": "error", "error": {"type": kind, "message": message}}


def fake_anthropic():
    """Serve a FakeAnthropic on a free loopback port for the duration."""
    return serve(FakeAnthropic(), _Handler)
