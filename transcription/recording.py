"""One socket's recording, as plain state: no socket, no database, no clock of its own.

The consumer (`transcription.consumers`) owns authentication, close codes and the
relay; it asks this class what a message means and what to store next. The rules
written here, each with the limit it states:

- states: idle -> recording <-> paused -> stopping -> stopped (or failed);
- audio intake is paced at real time on the audio's clock: the session's audio
  (what it held when this socket started, plus what this socket received) may run
  at most `AUDIO_BURST_SECONDS` ahead of the wall-clock time since the session
  began. Audio cannot be recorded faster than it is spoken, so a client that sends
  as it records is never refused however late or bunched its frames arrive (a
  loaded server reading them seconds late, a page resending what it kept through a
  network cut): lateness is never held against it. A flood is refused once it is
  a few seconds ahead of real time (DESIGN: "paced at about real time");
- the outbox keeps the finals not yet stored, in order, at most `OUTBOX_LIMIT`;
  each is acknowledged (given its `seq`) only once stored;
- while the database is away the head of the outbox waits (its store retries:
  `transcription.services.segments.final_store`) and the page hears the transcript
  is catching up until a store goes through.
"""

from collections import deque
from dataclasses import dataclass

from transcription.engines.base import BYTES_PER_SECOND, Result

AUDIO_BURST_SECONDS = 10.0  # of audio ahead of the session's wall clock
OUTBOX_LIMIT = 600  # finals awaiting storage (minutes of speech)


class RecordingError(Exception):
    """The client did something the protocol refuses; `code` names it."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


class AudioPacer:
    """Real time on the audio's clock: the audio taken may run at most
    `burst_seconds` ahead of the wall-clock seconds since the recording began.

    A token bucket filled at real time whose depth is not capped: a client that fell
    behind (or a server that read it late) keeps what it is owed, because audio
    sent late was still spoken in real time; only audio ahead of the clock is
    refused. `audio_seconds` and `age_seconds` place a resumed session on its clock.
    """

    def __init__(
        self,
        *,
        now: float,
        burst_seconds: float,
        audio_seconds: float = 0.0,
        age_seconds: float = 0.0,
    ):
        self.began = now - max(
            0.0, age_seconds
        )  # the session's start, on `now`'s clock
        self.burst = burst_seconds * BYTES_PER_SECOND
        self.audio = audio_seconds * BYTES_PER_SECOND  # bytes on the audio's clock

    def take(self, nbytes: int, *, now: float) -> bool:
        """Count `nbytes` of audio unless it would run too far ahead; False then."""
        spoken = (now - self.began) * BYTES_PER_SECOND
        if self.audio + nbytes > spoken + self.burst:
            return False
        self.audio += nbytes
        return True


@dataclass(slots=True)
class Pending:
    result: Result
    seq: int


class Recording:
    """The state of one socket's recording of one session."""

    def __init__(self) -> None:
        self.state = "idle"
        self.session_id: int | None = None
        self.last_seq = 0  # the last stored (acknowledged) segment
        self.received_bytes = 0
        self.saved_bytes = 0  # of which already added to the session's seconds
        self.pacer: AudioPacer | None = None  # from the start, on the session's clock
        self.outbox: deque[Pending] = deque()
        self.interim: Result | None = None  # the newest, held behind the finals
        self.catching_up = False  # a store was slow or failed: the page was told

    # --- the protocol -----------------------------------------------------------------
    @property
    def is_live(self) -> bool:
        return self.state in {"recording", "paused"}

    def start(
        self,
        *,
        session_id: int,
        last_seq: int,
        now: float,
        audio_seconds: float = 0.0,
        age_seconds: float = 0.0,
    ) -> None:
        """Record session `session_id`, which already holds `audio_seconds` of audio
        and began `age_seconds` ago (a resumed one; 0 for a new one)."""
        if self.state != "idle":
            raise RecordingError("already_started", "This socket is already recording.")
        self.session_id, self.last_seq, self.state = session_id, last_seq, "recording"
        self.pacer = AudioPacer(
            now=now,
            burst_seconds=AUDIO_BURST_SECONDS,
            audio_seconds=audio_seconds,
            age_seconds=age_seconds,
        )

    def require_started(self) -> None:
        if self.state == "idle":
            raise RecordingError("not_started", "Send a start message first.")

    def pause(self) -> bool:
        """True when this pauses a recording (False: nothing changes)."""
        self.require_started()
        if self.state != "recording":
            return False
        self.state = "paused"
        return True

    def resume(self) -> bool:
        self.require_started()
        if self.state != "paused":
            return False
        self.state = "recording"
        return True

    def stop(self) -> None:
        self.require_started()
        self.state = "stopping"

    def audio(self, nbytes: int, *, now: float) -> bool:
        """True when the frame goes to the engine; raises when the client must stop."""
        if self.state == "idle" or self.pacer is None:
            raise RecordingError("not_started", "Send a start message before audio.")
        if not self.pacer.take(nbytes, now=now):
            raise RecordingError(
                "audio_too_fast",
                "Audio arrived faster than it can be spoken: send it as it is "
                "recorded (about 100 ms every 100 ms).",
            )
        if self.state != "recording":
            return False  # paused or stopping: not part of the encounter
        self.received_bytes += nbytes
        return True

    def unsaved_seconds(self) -> float:
        """The audio received since the last call (to be added to the session)."""
        unsaved, self.saved_bytes = (
            self.received_bytes - self.saved_bytes,
            self.received_bytes,
        )
        return unsaved / BYTES_PER_SECOND

    def unsaved_restore(self, seconds: float) -> None:
        """A save of `unsaved_seconds()` failed: count them as unsaved again."""
        self.saved_bytes -= round(seconds * BYTES_PER_SECOND)

    # --- the outbox of finals ---------------------------------------------------------
    def result(self, result: Result) -> Result | None:
        """Take an engine result; returns an interim to send at once, else None
        (a final is queued; an interim behind queued finals waits, newest only)."""
        if not result.is_final:
            if not self.outbox:
                return result
            self.interim = result
            return None
        if len(self.outbox) >= OUTBOX_LIMIT:
            raise RecordingError(
                "storage_unavailable",
                "The transcript cannot be saved right now; the recording will "
                "resume when it can.",
            )
        seq = (self.outbox[-1].seq if self.outbox else self.last_seq) + 1
        self.outbox.append(Pending(result=result, seq=seq))
        self.interim = None  # the final supersedes what was heard before it
        return None

    def next_final(self) -> Pending | None:
        return self.outbox[0] if self.outbox else None

    def stored(self, seq: int) -> Result | None:
        """The head was stored as `seq`; returns the held interim once caught up."""
        pending = self.outbox.popleft()
        self.last_seq = seq
        if seq != pending.seq:  # a resume racing an old socket took the number
            for later in self.outbox:
                later.seq += seq - pending.seq
        self.catching_up = False
        if not self.outbox and self.interim is not None:
            interim, self.interim = self.interim, None
            return interim
        return None

    def store_delayed(self) -> bool:
        """A store is slow or failed (the database is away): True the first time,
        when the page is to hear that the transcript is catching up."""
        first, self.catching_up = not self.catching_up, True
        return first
