"""The live socket's protocol (DESIGN 'Live transcription'): its close codes, a
`start` message's fields checked, a transcript message.

daphne accepts only 1000 and 3000-4999 as close codes (autobahn refuses 1011 with
"invalid close code"), so a server fault closes 4500 and a dependency away 4503: the
page reconnects and resumes on both.
"""

import re

from noumaris.common.errors import ApplicationError, ForbiddenError, NotFoundError
from transcription.connections import Busy
from transcription.engines import Result
from transcription.services.segments import StorageUnavailable
from transcription.services.sessions import SessionClosed, TooManySessions

MAX_FRAME_BYTES = 64 * 1024
SAMPLE_RATE = 16000
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")

UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, PROTOCOL, TOO_MANY = 4401, 4403, 4404, 4400, 4429
SERVER_ERROR, UNAVAILABLE = 4500, 4503
CLOSE_FOR = {"unauthenticated": UNAUTHENTICATED, "forbidden": FORBIDDEN}


# A service's refusal as the socket answers it: (error, code, close code), the first
# that matches; any other is a 4500.
REFUSALS = (
    (TooManySessions, "too_many_sessions", TOO_MANY),
    (SessionClosed, "session_stopped", PROTOCOL),
    (NotFoundError, "unknown_session", NOT_FOUND),
    (ForbiddenError, "forbidden", FORBIDDEN),
    (StorageUnavailable, "storage_unavailable", UNAVAILABLE),
    (Busy, "busy", UNAVAILABLE),
)


def refusal_for(error: ApplicationError) -> tuple[str, int]:
    """The error code and close code the socket answers a service's refusal with."""
    for kind, code, close_code in REFUSALS:
        if isinstance(error, kind):
            return code, close_code
    return "server_error", SERVER_ERROR


class ProtocolError(Exception):
    def __init__(self, code: str, message: str, close_code: int = PROTOCOL):
        super().__init__(message)
        self.code, self.message, self.close_code = code, message, close_code


def validate_start(message: dict) -> dict:
    """The fields of a `start`, checked; a bad one is a 4400 that names it."""
    if message.get("sample_rate") != SAMPLE_RATE:
        raise ProtocolError(
            "unsupported_sample_rate", "Send 16000 Hz audio (sample_rate 16000)."
        )
    if message.get("encoding", "linear16") != "linear16":
        raise ProtocolError(
            "unsupported_encoding", "Send 16-bit PCM audio (encoding linear16)."
        )
    language = message.get("language", "en")
    if not isinstance(language, str) or not LANGUAGE.match(language):
        raise ProtocolError("bad_language", "language must be a code such as en.")
    label = message.get("label") or ""
    if not isinstance(label, str) or len(label) > 120 or CONTROL.search(label):
        raise ProtocolError(
            "bad_label", "label must be text of at most 120 characters."
        )
    # A session_id that names no session of the caller's is a 4404 (resume).
    return {
        "language": language,
        "label": label,
        "session_id": message.get("session_id"),
    }


def transcript(result: Result, *, seq: int | None) -> dict:
    """A result as the page receives it; a final carries its words (as the API's
    segments do) so the page marks doubtful and corrected words as they arrive."""
    return {
        "type": "transcript",
        "seq": seq,
        "text": result.text,
        "is_final": result.is_final,
        "speaker": result.speaker,
        "start_ms": result.start_ms,
        "end_ms": result.end_ms,
        "words": _words(result) if result.is_final else [],
    }


def _words(result: Result) -> list[dict]:
    """The final's words as they are stored (`words.dumps` keeps a whole percent):
    a word Whisper heard at 79.6% is stored at 80% and is not doubtful, so the page
    must not mark it from the unrounded figure either."""
    from transcription.engines.words import dumps, loads
    from transcription.heard import words_payload

    if " ".join(w.text for w in result.words) != result.text:
        return []  # none (Deepgram), or not the text's
    return words_payload(loads(dumps(result.words)))
