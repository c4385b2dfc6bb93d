"""`/ws/transcribe/`: the live-transcription socket (DESIGN 'Live transcription').

A thin adapter: it authenticates, asks `check_feature`, holds a connection slot,
relays audio to the engine and results to the client, and stores final segments
through services, all off the event loop.
"""

import asyncio
import contextlib
import json
import logging
import re
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from institutions.services.permissions import check_feature
from noumaris.errors import ForbiddenError, NotFoundError
from transcription import connections, metrics, selectors, services
from transcription.engines import EngineError, Result, engine_for, engine_name
from transcription.engines.base import BYTES_PER_SECOND
from transcription.models import TranscriptionSession
from transcription.writer import segment_store

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024
SAMPLE_RATE = 16000
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")

UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, PROTOCOL, TOO_MANY = 4401, 4403, 4404, 4400, 4429
ENGINE_FAILED = 1011

Status = TranscriptionSession.Status


class ProtocolError(Exception):
    def __init__(self, code: str, message: str, close_code: int = PROTOCOL):
        super().__init__(message)
        self.code, self.message, self.close_code = code, message, close_code


class TranscribeConsumer(AsyncWebsocketConsumer):
    async def __call__(self, scope, receive, send):
        """Channels' consumer loop without a channel layer (nothing is sent to these
        sockets from elsewhere, and each would hold a Redis read open): each message
        is awaited and dispatched in turn, without the task and `asyncio.wait` that
        Channels spends per message to listen to a layer too."""
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        with contextlib.suppress(StopConsumer):
            while True:
                await self.dispatch(await receive())

    async def dispatch(self, message):
        """Dispatch without Channels' per-message `close_old_connections` hop to a
        thread (10 audio frames a second each); ORM work goes through
        `database_sync_to_async`, which does that itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        self.user = None
        self.slot = None
        self.engine = None
        self.session_id = None
        self.state = "idle"
        self.closed = False
        self.audio_bytes = 0  # received by this socket
        self.saved_bytes = 0  # of which already added to the session
        self.heartbeat = None
        self.last_seq = 0
        self.outbox: asyncio.Queue = asyncio.Queue()
        self.sender = None
        self.sending = False  # the sender holds a result (a final being stored)
        await self.accept()
        user = await self._authenticate()
        if user is None:
            await self._refuse(UNAUTHENTICATED, "unauthenticated", "Sign in to record.")
            return
        access = await database_sync_to_async(check_feature)(user, services.FEATURE)
        if not access.allowed:
            await self._refuse(FORBIDDEN, "forbidden", access.reason)
            return
        try:
            self.slot = await connections.slot_acquire(user_id=user.pk)
        except Exception:  # Redis is down: say so rather than fail with a traceback
            logger.exception("Could not count the user's sockets")
            await self._refuse(
                ENGINE_FAILED,
                "unavailable",
                "Recording is unavailable; try again soon.",
            )
            return
        if self.slot is None:
            limit = settings.WS_MAX_CONNECTIONS_PER_USER
            await self._refuse(
                TOO_MANY,
                "too_many_connections",
                f"You already have {limit} recordings open. Close one and try again.",
            )
            return
        self.user = user
        metrics.OPEN_CONNECTIONS.inc()
        self.heartbeat = asyncio.create_task(self._refresh_slot())

    async def _authenticate(self):
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        if "ticket" in query:
            return await database_sync_to_async(services.ticket_redeem)(
                token=query["ticket"][0]
            )
        user = self.scope.get("user")
        return user if user is not None and user.is_authenticated else None

    async def _refresh_slot(self):
        while True:
            await asyncio.sleep(connections.REFRESH_SECONDS)
            with contextlib.suppress(Exception):
                await connections.slot_refresh(user_id=self.user.pk, slot=self.slot)

    async def disconnect(self, code):
        self.closed = True
        if self.heartbeat is not None:
            self.heartbeat.cancel()
        if self.engine is not None and self.state in {"recording", "paused"}:
            # Whatever the engine still holds becomes final and is stored; the
            # session waits, paused, for a socket that resumes it.
            # Save first (fast), so a socket that resumes at once sees this one's
            # audio; then the engine's last words become final and are stored.
            await self._save_status(Status.PAUSED)
            with contextlib.suppress(Exception):
                await self.engine.finish()
            await self._drain_outbox()
        elif self.engine is not None:
            with contextlib.suppress(Exception):
                await self.engine.abort()
            await self._drain_outbox()
        if self.slot is not None:
            metrics.OPEN_CONNECTIONS.dec()
            with contextlib.suppress(Exception):
                await connections.slot_release(user_id=self.user.pk, slot=self.slot)

    # --- input ------------------------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None):
        if self.closed or self.user is None:
            return
        try:
            if bytes_data is not None:
                await self._audio(bytes_data)
            else:
                await self._message(text_data)
        except ProtocolError as error:
            await self._refuse(error.close_code, error.code, error.message)

    async def _audio(self, data: bytes):
        if len(data) > MAX_FRAME_BYTES:
            raise ProtocolError(
                "frame_too_large", "Audio frames must be at most 64 KiB."
            )
        if self.state == "idle":
            raise ProtocolError("not_started", "Send a start message before audio.")
        if self.state != "recording":
            return  # paused or stopping: the audio is not part of the encounter
        self.audio_bytes += len(data)
        self.audio_metric.inc(len(data) / BYTES_PER_SECOND)
        await self.engine.send_audio(data)

    async def _message(self, text: str):
        try:
            message = json.loads(text)
        except (TypeError, ValueError):
            raise ProtocolError("malformed", "Messages must be JSON.") from None
        kind = message.get("type") if isinstance(message, dict) else None
        handler = {
            "start": self._start,
            "pause": self._pause,
            "resume": self._resume,
            "stop": self._stop,
        }.get(kind)
        if handler is None:
            raise ProtocolError(
                "unknown_type", "The message type must be start, pause, resume or stop."
            )
        await handler(message)

    # --- the protocol -----------------------------------------------------------------
    async def _start(self, message: dict):
        if self.state != "idle":
            raise ProtocolError("already_started", "This socket is already recording.")
        language = self._validate_start(message)
        name = engine_name()
        resume = message.get("session_id") is not None
        try:
            if resume:
                session, _ = await database_sync_to_async(services.session_resume)(
                    user=self.user, session_id=message["session_id"]
                )
            else:
                session = await database_sync_to_async(services.session_start)(
                    user=self.user,
                    engine=name,
                    language=language,
                    consent=message.get("consent"),
                    label=str(message.get("label") or ""),
                    ip_address=self._client_ip(),
                )
        except services.ConsentRequired as error:
            await self._send_error("consent_required", error.message)
            return
        except services.SessionClosed as error:
            raise ProtocolError("session_stopped", error.message) from None
        except NotFoundError as error:
            raise ProtocolError("unknown_session", error.message, NOT_FOUND) from None
        except ForbiddenError as error:
            raise ProtocolError("forbidden", error.message, FORBIDDEN) from None
        await self._open_engine(session, resume=resume)

    def _validate_start(self, message: dict) -> str:
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
        return language

    async def _open_engine(self, session: TranscriptionSession, *, resume: bool):
        self.session_id = session.pk
        engine = engine_for(session.engine)
        try:
            await engine.start(
                sample_rate=SAMPLE_RATE,
                language=session.language,
                on_result=self._on_result,
                on_failure=self._on_failure,
                offset_ms=int(session.audio_seconds * 1000),
            )
        except EngineError as error:
            await self._save_status(Status.FAILED)
            await self._refuse(ENGINE_FAILED, "engine_unavailable", str(error))
            return
        self.engine = engine
        self.audio_metric = metrics.AUDIO_SECONDS.labels(engine.name)
        self.state = "recording"
        metrics.SESSIONS.labels(engine.name).inc()
        if resume:  # a new session is recording already and has no segments yet
            await self._save_status(Status.RECORDING)
            # Read after the save: a socket that this one replaced may still be
            # storing its last finals.
            self.last_seq = await database_sync_to_async(selectors.segment_last_seq)(
                session_id=self.session_id
            )
        self.sender = asyncio.create_task(self._send_results())
        await self._send_json(
            {"type": "ready", "session_id": session.pk, "last_seq": self.last_seq}
        )
        await self._send_json({"type": "status", "state": "recording"})

    async def _pause(self, message: dict):
        await self._require_session()
        if self.state == "recording":
            self.state = "paused"
            await self.engine.pause()
            await self._save_status(Status.PAUSED)
        await self._send_json({"type": "status", "state": "paused"})

    async def _resume(self, message: dict):
        await self._require_session()
        if self.state == "paused":
            self.state = "recording"
            await self.engine.resume()
            await self._save_status(Status.RECORDING)
        await self._send_json({"type": "status", "state": "recording"})

    async def _stop(self, message: dict):
        await self._require_session()
        self.state = "stopping"
        with contextlib.suppress(EngineError):
            await self.engine.finish()
        await self._drain_outbox()
        await database_sync_to_async(services.session_stop)(
            user=self.user,
            session_id=self.session_id,
            add_audio_seconds=self._unsaved_seconds(),
        )
        self.state = "stopped"
        await self._send_json({"type": "status", "state": "stopped"})
        self.closed = True
        await self.close(code=1000)

    async def _require_session(self):
        if self.state == "idle":
            raise ProtocolError("not_started", "Send a start message first.")

    # --- engine callbacks ---------------------------------------------------------------
    async def _on_result(self, result: Result):
        """An interim with nothing ahead of it goes out at once; anything else waits
        its turn behind the finals being stored (the relay of audio never waits for
        a database write)."""
        if not result.is_final and not self.sending and self.outbox.empty():
            await self._send_json(self._transcript(result, seq=None))
        else:
            self.outbox.put_nowait(result)

    async def _send_results(self):
        """Store each final (in order, batched with other sockets') and send every
        result."""
        while (result := await self.outbox.get()) is not None:
            self.sending = True
            seq = None
            if result.is_final:
                try:
                    segment = await segment_store(
                        session_id=self.session_id,
                        result=result,
                        seq=self.last_seq + 1,
                    )
                except Exception:
                    logger.exception("A final segment could not be stored")
                    await self._refuse(
                        ENGINE_FAILED,
                        "storage_failed",
                        "The transcript could not be saved.",
                    )
                    return
                self.last_seq = seq = segment.seq
                metrics.SEGMENTS.inc()
            await self._send_json(self._transcript(result, seq=seq))
            self.sending = False

    @staticmethod
    def _transcript(result: Result, *, seq: int | None) -> dict:
        return {
            "type": "transcript",
            "seq": seq,
            "text": result.text,
            "is_final": result.is_final,
            "speaker": result.speaker,
            "start_ms": result.start_ms,
            "end_ms": result.end_ms,
        }

    async def _drain_outbox(self):
        """Wait until every queued final is stored (and sent, while connected)."""
        if self.sender is not None and not self.sender.done():
            self.outbox.put_nowait(None)
            await self.sender

    async def _on_failure(self, error: EngineError):
        if self.state in {"recording", "paused"}:
            self.state = "failed"
            await self._save_status(Status.FAILED)
            await self._refuse(ENGINE_FAILED, "engine_failed", str(error))

    # --- output -----------------------------------------------------------------------
    async def _save_status(self, status: str):
        await database_sync_to_async(services.session_set_status)(
            session_id=self.session_id,
            status=status,
            add_audio_seconds=self._unsaved_seconds(),
        )

    def _unsaved_seconds(self) -> float:
        unsaved, self.saved_bytes = (
            self.audio_bytes - self.saved_bytes,
            self.audio_bytes,
        )
        return unsaved / BYTES_PER_SECOND

    async def _send_json(self, payload: dict):
        if self.closed:
            return
        with contextlib.suppress(Exception):
            await self.send(text_data=json.dumps(payload))

    async def _send_error(self, code: str, message: str):
        metrics.ERRORS.labels(code).inc()
        with contextlib.suppress(Exception):
            await connections.error_count(code=code)
        await self._send_json({"type": "error", "code": code, "message": message})

    async def _refuse(self, close_code: int, code: str, message: str):
        await self._send_error(code, message)
        self.closed = True
        await self.close(code=close_code)

    def _client_ip(self) -> str | None:
        client = self.scope.get("client")
        return client[0] if client else None
