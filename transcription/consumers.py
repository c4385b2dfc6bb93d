"""`/ws/transcribe/`: the live-transcription socket (DESIGN 'Live transcription').

A thin adapter on Channels' stock `AsyncWebsocketConsumer`: it authenticates, asks
`check_feature`, holds a connection slot, relays audio to the engine and results to
the client, and closes with a code the client can act on. What a message means and
what to store next is `transcription.recording.Recording`; writes go through
services, off the event loop, on the socket's own thread (`noumaris.routing`). A
final is stored by one call, `final_store`, which retries while the database is away;
an opening's database work waits its turn (`connections.opening`).

Whatever ends the socket (the client, a refusal, a crash anywhere), Channels'
`websocket_disconnect` releases its slot, stops its heartbeat and closes its engine.
The close codes, the table of service errors to them, and the messages' shapes are
`transcription.protocol`.
"""

import asyncio
import contextlib
import json
import logging
import time

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import timezone

from institutions.models import Feature
from institutions.services.permissions import check_feature
from noumaris.common.errors import ApplicationError
from transcription import connections, metrics, selectors
from transcription.engines import EngineError, Result, engine_for, engine_name
from transcription.engines.base import BYTES_PER_SECOND
from transcription.models import TranscriptionSession
from transcription.protocol import (
    CLOSE_FOR,
    FORBIDDEN,
    MAX_FRAME_BYTES,
    PROTOCOL,
    SAMPLE_RATE,
    SERVER_ERROR,
    TOO_MANY,
    UNAUTHENTICATED,
    UNAVAILABLE,
    ProtocolError,
    refusal_for,
    transcript,
    validate_start,
)
from transcription.recording import Recording, RecordingError
from transcription.services import sessions
from transcription.services.segments import RETRY_WINDOW, final_store
from transcription.services.sockets import socket_access

logger = logging.getLogger(__name__)

Status = TranscriptionSession.Status


class TranscribeConsumer(AsyncWebsocketConsumer):
    # No channel layer: nothing is sent to these sockets from elsewhere, and each
    # would hold a Redis read open (Channels skips the layer for an unknown alias).
    channel_layer_alias = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = self.slot = self.engine = self.heartbeat = self.sender = None
        self.recording = Recording()
        self.closed = False
        self.wake, self.drained = asyncio.Event(), asyncio.Event()

    # --- Channels' handlers: every failure answered by a close code -----------------
    async def websocket_connect(self, message):
        await self._answering(super().websocket_connect(message), message)

    async def websocket_receive(self, message):
        await self._answering(super().websocket_receive(message), message)

    async def websocket_disconnect(self, message):
        """However the socket ended, give back what it holds (`_release`)."""
        try:
            await super().websocket_disconnect(message)
        except StopConsumer:
            raise
        except Exception:
            logger.exception("The recording socket failed while closing")
            raise StopConsumer from None
        finally:
            await self._release()

    async def _answering(self, handling, message):
        try:
            await handling
        except StopConsumer:
            raise
        except ProtocolError as error:
            await self._refuse(error.close_code, error.code, error.message)
        except RecordingError as error:
            await self._refuse(PROTOCOL, error.code, error.message)
        except EngineError as error:
            await self._on_failure(error)
        except ApplicationError as error:  # a service's refusal: its close code
            code, close_code = refusal_for(error)
            await self._refuse(close_code, code, error.message)
        except Exception:
            logger.exception("The recording socket failed on %s", message["type"])
            await self._refuse(
                SERVER_ERROR,
                "server_error",
                "Something went wrong on our side; reconnect to go on recording.",
            )

    async def connect(self):
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self._refuse(UNAUTHENTICATED, "unauthenticated", "Sign in to record.")
            return
        async with connections.opening(on_wait=self._waiting):
            access = await database_sync_to_async(check_feature)(
                user, Feature.Code.LIVE_TRANSCRIPTION
            )
        if not access.allowed:
            await self._refuse(FORBIDDEN, "forbidden", access.reason)
            return
        try:
            self.slot = await connections.slot_acquire(user_id=user.pk)
        except Exception:  # Redis is down: say so rather than fail with a traceback
            logger.exception("Could not count the user's sockets")
            await self._refuse(
                UNAVAILABLE, "unavailable", "Recording is unavailable; try again soon."
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
        self.heartbeat = asyncio.create_task(self._beat())

    async def disconnect(self, code):
        self.closed = True
        if self.engine is not None and self.recording.is_live:
            # The session waits, paused, for a socket that resumes it. Save first
            # (fast), so a socket that resumes at once sees this one's audio; then
            # the engine's last words become final and are stored.
            with contextlib.suppress(Exception):
                await self._save_status(Status.PAUSED)
            with contextlib.suppress(Exception):
                await self.engine.finish()
            await self._drain()

    async def _release(self):
        """The one place a socket gives back what it holds, however it ended."""
        self.closed = True
        for task in (self.heartbeat, self.sender):
            if task is not None:
                task.cancel()
        engine, self.engine = self.engine, None
        if engine is not None:
            with contextlib.suppress(Exception):
                await engine.abort()
        slot, self.slot = self.slot, None
        if slot is not None:
            metrics.OPEN_CONNECTIONS.dec()
            try:
                await connections.slot_release(user_id=self.user.pk, slot=slot)
            except Exception:
                logger.exception("Could not release a socket's slot (it expires)")

    async def _beat(self):
        """Keep the slot, renew the sign-in, re-check access; close when it ends."""
        session = self.scope.get("session")
        session_key = session.session_key if session is not None else None
        while True:
            await asyncio.sleep(connections.REFRESH_SECONDS)
            try:
                await connections.slot_refresh(user_id=self.user.pk, slot=self.slot)
                denial = await database_sync_to_async(socket_access)(
                    user_id=self.user.pk, session_key=session_key
                )
                if self.recording.is_live and denial is None:
                    await self._save_status(self._session_status())
            except Exception:
                logger.warning("A socket's heartbeat failed", exc_info=True)
                continue
            if denial is not None:
                code, reason = denial
                await self._refuse(CLOSE_FOR[code], code, reason)
                return

    # --- input ------------------------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None):
        if self.closed or self.user is None:
            return
        if bytes_data is not None:
            await self._audio(bytes_data)
        else:
            await self._message(text_data)

    async def _audio(self, data: bytes):
        if len(data) > MAX_FRAME_BYTES:
            raise ProtocolError(
                "frame_too_large", "Audio frames must be at most 64 KiB."
            )
        if len(data) % 2:
            raise ProtocolError(
                "odd_frame", "Audio frames are 16-bit samples: an even byte count."
            )
        if self.recording.audio(len(data), now=time.monotonic()):
            self.audio_metric.inc(len(data) / BYTES_PER_SECOND)
            await self.engine.send_audio(data)

    async def _message(self, text: str):
        try:
            message = json.loads(text)
        except (TypeError, ValueError, RecursionError):
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
        if self.recording.state != "idle":
            raise ProtocolError("already_started", "This socket is already recording.")
        fields = validate_start(message)
        try:
            async with connections.opening(on_wait=self._waiting):
                opened = await database_sync_to_async(sessions.recording_open)(
                    user=self.user,
                    engine=engine_name(),
                    consent=message.get("consent"),
                    ip_address=self._client_ip(),
                    **fields,
                )
        except sessions.ConsentRequired as error:  # answered; the socket stays open
            await self._send_error("consent_required", error.message)
            return
        await self._open_engine(opened)

    async def _open_engine(self, opened: sessions.Opening):
        session = opened.session
        engine = engine_for(session.engine)
        try:
            await engine.start(
                sample_rate=SAMPLE_RATE,
                language=session.language,
                on_result=self._on_result,
                on_failure=self._on_failure,
                offset_ms=opened.audio_ms,
                keyterms=opened.keyterms,
            )
        except EngineError as error:
            await self._refuse(UNAVAILABLE, "engine_unavailable", str(error))
            return
        self.engine = engine
        self.audio_metric = metrics.AUDIO_SECONDS.labels(engine.name)
        metrics.SESSIONS.labels(engine.name).inc()
        self.recording.start(
            session_id=session.pk,
            last_seq=opened.last_seq,
            now=time.monotonic(),
            audio_seconds=opened.audio_ms / 1000,
            age_seconds=(timezone.now() - session.started_at).total_seconds(),
        )
        if opened.resumed:
            await self._save_status(Status.RECORDING)
            # Read after the save: a socket that this one replaced may still be
            # storing its last finals.
            self.recording.last_seq, _ = await database_sync_to_async(
                selectors.segment_last
            )(session_id=session.pk)
        self.sender = asyncio.create_task(
            self._answering(self._store_finals(), {"type": "finals"})
        )
        await self._send_json(
            {
                "type": "ready",
                "session_id": session.pk,
                "last_seq": self.recording.last_seq,
                "audio_ms": opened.audio_ms,
            }
        )
        await self._send_json({"type": "status", "state": "recording"})

    async def _waiting(self):
        await self._send_json(
            {
                "type": "status",
                "state": "waiting",
                "message": "Many recordings are opening on this server; "
                "yours is next in line.",
            }
        )

    async def _pause(self, message: dict):
        if self.recording.pause():
            await self.engine.pause()
            await self._save_status(Status.PAUSED)
        await self._send_json({"type": "status", "state": self._client_state()})

    async def _resume(self, message: dict):
        if self.recording.resume():
            await self.engine.resume()
            await self._save_status(Status.RECORDING)
        await self._send_json({"type": "status", "state": self._client_state()})

    async def _stop(self, message: dict):
        self.recording.stop()
        with contextlib.suppress(EngineError):
            await self.engine.finish()
        if not await self._drain():
            return  # refused already: the storage stayed away
        await database_sync_to_async(sessions.session_stop)(
            user=self.user,
            session_id=self.recording.session_id,
            add_audio_seconds=self.recording.unsaved_seconds(),
        )
        self.recording.state = "stopped"
        await self._send_json({"type": "status", "state": "stopped"})
        self.closed = True
        await self.close(code=1000)

    # --- results: relayed at once, finals stored first --------------------------------
    async def _on_result(self, result: Result):
        try:
            interim = self.recording.result(result)
        except RecordingError as error:  # the outbox is full: the storage is away
            await self._refuse(UNAVAILABLE, error.code, error.message)
            return
        if interim is not None:
            await self._send_json(transcript(interim, seq=None))
        else:
            self.drained.clear()
            self.wake.set()

    async def _store_finals(self):
        """Store the outbox's finals in order (`final_store` retries while the
        database is away) and send each once stored."""
        recording = self.recording
        while True:
            pending = recording.next_final()
            if pending is None:
                self.drained.set()
                await self.wake.wait()
                self.wake.clear()
                continue
            segment = await final_store(
                session_id=recording.session_id,
                result=pending.result,
                seq=pending.seq,
                on_delay=self._store_delayed,
            )
            was_catching_up = recording.catching_up
            interim = recording.stored(segment.seq)
            metrics.SEGMENTS.inc()
            await self._send_json(transcript(pending.result, seq=segment.seq))
            if was_catching_up:
                await self._send_json({"type": "status", "state": self._client_state()})
            if interim is not None:
                await self._send_json(transcript(interim, seq=None))

    async def _store_delayed(self):
        if self.recording.store_delayed():
            await self._send_json({"type": "status", "state": "catching_up"})

    async def _drain(self) -> bool:
        """Wait until every queued final is stored; False when they could not be."""
        if self.sender is not None:
            waiting = asyncio.ensure_future(self.drained.wait())
            await asyncio.wait(
                [waiting, self.sender],
                timeout=RETRY_WINDOW + 5,
                return_when=asyncio.FIRST_COMPLETED,
            )
            waiting.cancel()
        return self.recording.next_final() is None

    async def _on_failure(self, error: EngineError):
        if self.recording.is_live:
            self.recording.state = "failed"
            with contextlib.suppress(Exception):
                await self._save_status(Status.FAILED)
        await self._refuse(UNAVAILABLE, "engine_failed", str(error))

    # --- output -----------------------------------------------------------------------
    def _session_status(self) -> str:
        return Status.PAUSED if self.recording.state == "paused" else Status.RECORDING

    def _client_state(self) -> str:
        if self.recording.catching_up:
            return "catching_up"
        return "paused" if self.recording.state == "paused" else "recording"

    async def _save_status(self, status: str):
        seconds = self.recording.unsaved_seconds()
        try:
            await database_sync_to_async(sessions.session_set_status)(
                session_id=self.recording.session_id,
                status=status,
                add_audio_seconds=seconds,
            )
        except Exception:
            self.recording.unsaved_restore(seconds)  # added by a later save
            raise

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
        if self.closed:
            return
        await self._send_error(code, message)
        self.closed = True
        with contextlib.suppress(Exception):
            await self.close(code=close_code)

    def _client_ip(self) -> str | None:
        client = self.scope.get("client")
        return client[0] if client else None
