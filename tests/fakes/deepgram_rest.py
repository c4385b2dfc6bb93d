"""A local server speaking Deepgram's pre-recorded API (`POST /v1/listen`).

It answers with the utterances a test scripts (what "Deepgram heard"), and records
each request as sent: the query with repeated keys kept, the headers and the audio.
It can refuse the first requests with a status (`fail_first`), as an overloaded
Deepgram answers 429 or 503.
"""

import json
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from tests.fakes.serving import serve


@dataclass
class Utterance:
    start: float
    end: float
    transcript: str
    speaker: int = 0
    confidence: float = 0.98


@dataclass
class FakeDeepgramRest:
    api_key: str = "test-deepgram-key"
    utterances: list[Utterance] = field(default_factory=list)
    fail_first: int = 0
    fail_status: int = 503
    host: str = "127.0.0.1"
    port: int = 0
    requests: list[dict] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def running(self):
        return serve(self, _Handler)

    def response(self, audio: bytes) -> dict:
        duration = max((u.end for u in self.utterances), default=0.0)
        return {
            "metadata": {
                "request_id": str(uuid.uuid4()),
                "sha256": "0" * 64,
                "created": "2026-12-02T00:00:00Z",
                "duration": duration,
                "channels": 1,
                "models": [str(uuid.uuid4())],
                "model_info": {},
            },
            "results": {
                "channels": [
                    {
                        "alternatives": [
                            {
                                "transcript": " ".join(
                                    u.transcript for u in self.utterances
                                ),
                                "confidence": 0.98,
                                "words": [],
                            }
                        ]
                    }
                ],
                "utterances": [
                    {
                        "start": u.start,
                        "end": u.end,
                        "confidence": u.confidence,
                        "channel": 0,
                        "transcript": u.transcript,
                        "words": [],
                        "speaker": u.speaker,
                        "id": str(uuid.uuid4()),
                    }
                    for u in self.utterances
                ],
            },
        }


class _Handler(BaseHTTPRequestHandler):
    fake: FakeDeepgramRest

    def log_message(self, *args):
        pass

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        fake = self.fake
        parts = urlsplit(self.path)
        audio = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if parts.path != "/v1/listen":
            return self._answer(404, {"err_code": "NOT_FOUND"})
        if self.headers.get("Authorization") != f"Token {fake.api_key}":
            return self._answer(401, {"err_code": "INVALID_AUTH"})
        fake.requests.append(
            {
                "query": parse_qs(parts.query),
                "content_type": self.headers.get("Content-Type"),
                "audio": audio,
            }
        )
        if len(fake.requests) <= fake.fail_first:
            return self._answer(fake.fail_status, {"err_code": "OVERLOADED"})
        return self._answer(200, fake.response(audio))
