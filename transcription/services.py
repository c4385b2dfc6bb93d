"""Writes of the transcription app: sessions, their segments, tickets, and the
audited read of a transcript (it writes an audit row, so it is a service)."""

import hashlib
import secrets
import time
from datetime import timedelta
from types import SimpleNamespace

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import (
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    OuterRef,
    Subquery,
)
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.middleware import RENEWED_AT
from accounts.services import audit_record
from institutions.selectors import user_institution
from institutions.services.permissions import check_feature, require_feature
from noumaris.errors import ConflictError, ForbiddenError, NotFoundError
from transcription.engines import Result
from transcription.models import (
    TranscriptionSession,
    TranscriptionTicket,
    TranscriptSegment,
)
from transcription.selectors import segment_list

FEATURE = "live_transcription"
TICKET_SECONDS = 30
# A recording session that no socket has touched for this long has no live socket:
# its server died (sockets touch theirs every `connections.REFRESH_SECONDS`).
ORPHAN_SECONDS = 90


class ConsentRequired(ForbiddenError):
    """A new recording without the clinician's confirmation of patient consent."""


class SessionClosed(ForbiddenError):
    """The session was stopped and cannot record again."""


class TooManySessions(ForbiddenError):
    """More new recordings in a minute than `TRANSCRIPTION_SESSIONS_PER_MINUTE`."""


@transaction.atomic
def session_start(
    *,
    user,
    engine: str,
    language: str = "en",
    consent: bool,
    label: str = "",
    ip_address: str | None = None,
) -> TranscriptionSession:
    """Open a recording; refuses without the feature or the patient's consent."""
    require_feature(user=user, code=FEATURE)
    if consent is not True:
        raise ConsentRequired(
            "Confirm that the patient agreed to be recorded before you start."
        )
    now = timezone.now()
    recent = TranscriptionSession.objects.filter(
        owner=user, started_at__gt=now - timedelta(minutes=1)
    )
    # A clinician starts a few a minute; a script made 300 empty ones in 85 s.
    limit = settings.TRANSCRIPTION_SESSIONS_PER_MINUTE
    if recent.count() >= limit:
        raise TooManySessions(
            f"You started {limit} recordings in the last minute; "
            "wait a minute, or resume one of them."
        )
    institution = user_institution(user=user)
    session = TranscriptionSession.objects.create(
        owner=user,
        institution=institution,
        label=label.strip()[:120],
        engine=engine,
        language=language,
        started_at=now,
        consent_confirmed_by=user,
        consent_confirmed_at=now,
    )
    audit_record(
        actor=user,
        action="TRANSCRIPTION_STARTED",
        target=session,
        institution=institution,
        ip_address=ip_address,
        details={"engine": engine, "consent_confirmed_at": now.isoformat()},
    )
    return session


def session_resume(*, user, session_id) -> tuple[TranscriptionSession, int]:
    """The caller's own open session and its last stored `seq` (404 otherwise)."""
    require_feature(user=user, code=FEATURE)
    try:
        session = TranscriptionSession.objects.get(pk=int(session_id), owner=user)
    except (TranscriptionSession.DoesNotExist, TypeError, ValueError):
        raise NotFoundError("No such encounter session.") from None
    if session.status == TranscriptionSession.Status.STOPPED:
        raise SessionClosed("This encounter was stopped; start a new one.")
    last = session.segments.aggregate(last=Max("seq"))["last"] or 0
    return session, last


def session_set_status(
    *, session_id: int, status: str, add_audio_seconds: float = 0.0
) -> None:
    """Record the session's state and add the audio a socket received since its last
    save (added, not set: the socket a resume replaced may still be saving its own);
    a stopped session stays stopped."""
    fields: dict = {
        "status": status,
        "updated_at": timezone.now(),
        "audio_seconds": F("audio_seconds") + add_audio_seconds,
    }
    if status == TranscriptionSession.Status.FAILED:
        fields["ended_at"] = timezone.now()
    TranscriptionSession.objects.filter(pk=session_id).exclude(
        status=TranscriptionSession.Status.STOPPED
    ).update(**fields)


def segment_append(
    *, session_id: int, result: Result, seq: int | None = None
) -> TranscriptSegment:
    """Store a final segment as the session's next `seq` (one INSERT when `seq`, the
    caller's expected next number, is right).

    Two sockets of one session (a resume racing the old socket's last results) may
    both expect the same number: the unique constraint refuses the second, which then
    takes the next free number, so no segment is lost or numbered twice.
    """
    for _ in range(10):
        if seq is None:
            last = TranscriptSegment.objects.filter(session_id=session_id).aggregate(
                last=Max("seq")
            )["last"]
            seq = (last or 0) + 1
        segment = _segment(session_id=session_id, result=result, seq=seq)
        try:
            with transaction.atomic():
                segment.save(force_insert=True)
                return segment
        except IntegrityError:
            stored = _segment_stored(session_id=session_id, seq=seq, result=result)
            if stored is not None:
                return stored
            seq = None
    raise ConflictError("Could not number the transcript segment; try again.")


def _segment_stored(
    *, session_id: int, seq: int, result: Result
) -> TranscriptSegment | None:
    """The segment `seq` when it already holds `result`: a retry of a store whose
    commit went through while its answer was lost (a database blip), not a number
    taken by another socket."""
    segment = TranscriptSegment.objects.filter(session_id=session_id, seq=seq).first()
    if segment is not None and (segment.start_ms, segment.end_ms, segment.text) == (
        max(0, result.start_ms),
        max(0, result.end_ms),
        result.text,
    ):
        return segment
    return None


def segments_append(
    *, items: list[tuple[int, Result, int]]
) -> list[TranscriptSegment | Exception]:
    """Store finals of several sessions at once: `(session_id, result, seq)` each,
    `seq` the caller's expected next number.

    One INSERT in one transaction when every number is right. When that fails (a
    number taken by a resume racing an old socket, a session gone), each segment goes
    through `segment_append` on its own, so one bad item fails only itself. Returns,
    in `items` order, each stored segment or the exception that refused it.
    """
    segments = [
        _segment(session_id=session_id, result=result, seq=seq)
        for session_id, result, seq in items
    ]
    try:
        with transaction.atomic():
            return TranscriptSegment.objects.bulk_create(segments)
    except DatabaseError:
        pass  # one at a time below
    outcomes: list[TranscriptSegment | Exception] = []
    for session_id, result, seq in items:
        try:
            outcomes.append(
                segment_append(session_id=session_id, result=result, seq=seq)
            )
        except (DatabaseError, ConflictError) as error:
            outcomes.append(error)
    return outcomes


def _segment(*, session_id: int, result: Result, seq: int) -> TranscriptSegment:
    return TranscriptSegment(
        session_id=session_id,
        seq=seq,
        speaker=result.speaker,
        start_ms=max(0, result.start_ms),
        end_ms=max(0, result.end_ms),
        text=result.text,
        confidence=result.confidence,
    )


@transaction.atomic
def session_stop(
    *,
    user,
    session_id: int,
    audio_seconds: float | None = None,
    add_audio_seconds: float = 0.0,
) -> None:
    """End a recording for good; `audio_seconds` sets the total, `add_audio_seconds`
    adds the stopping socket's unsaved audio to it."""
    session = TranscriptionSession.objects.select_for_update().get(
        pk=session_id, owner=user
    )
    if session.status == TranscriptionSession.Status.STOPPED:
        return
    session.status = TranscriptionSession.Status.STOPPED
    session.ended_at = timezone.now()
    if audio_seconds is None:
        audio_seconds = session.audio_seconds + add_audio_seconds
    session.audio_seconds = audio_seconds
    session.save(update_fields=["status", "ended_at", "audio_seconds", "updated_at"])
    audit_record(
        actor=user,
        action="TRANSCRIPTION_STOPPED",
        target=session,
        institution=session.institution,
        details={"audio_seconds": round(audio_seconds, 1)},
    )


def session_mark_orphans_paused(*, idle_seconds: float = ORPHAN_SECONDS) -> int:
    """Pause every recording session no socket has touched for `idle_seconds` (its
    server was killed), its seconds set to at least the audio its segments cover, so
    its page offers Resume; returns how many."""
    now = timezone.now()
    last_end = Subquery(
        TranscriptSegment.objects.filter(session=OuterRef("pk"))
        .order_by("-seq")
        .values("end_ms")[:1]
    )
    stored_seconds = ExpressionWrapper(
        Cast(Coalesce(last_end, 0), FloatField()) / 1000.0, output_field=FloatField()
    )
    return TranscriptionSession.objects.filter(
        status=TranscriptionSession.Status.RECORDING,
        updated_at__lt=now - timedelta(seconds=idle_seconds),
    ).update(
        status=TranscriptionSession.Status.PAUSED,
        audio_seconds=Greatest(F("audio_seconds"), stored_seconds),
        updated_at=now,
    )


def socket_access(*, user_id: int, session_key: str | None) -> tuple[str, str] | None:
    """Whether an open socket may go on recording: None, or the denial's code
    (`unauthenticated`, `forbidden`) and reason. A browser socket's sign-in must still
    hold (not logged out, expired or its password changed) and is renewed, since
    recording is activity (`SESSION_IDLE_TIMEOUT`); a ticket socket's account must
    still be active; either needs the feature still."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return "unauthenticated", "Your account is no longer active."
    if session_key is not None and not session_idle_renew(
        session_key=session_key, user_id=user_id
    ):
        return "unauthenticated", "Your sign-in has ended. Sign in again to record."
    access = check_feature(user, FEATURE)
    if not access.allowed:
        return "forbidden", access.reason
    return None


def session_idle_renew(*, session_key: str, user_id: int) -> bool:
    """Renew a browser session's idle deadline, as a page request would
    (`accounts.middleware.SessionIdleRenewal`); False when it no longer signs
    `user_id` in."""
    from django.contrib.auth import get_user

    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")(session_key)
    user = get_user(SimpleNamespace(session=store))
    if not user.is_authenticated or user.pk != user_id:
        return False
    now = int(time.time())
    renewed_at = store.get(RENEWED_AT)
    if not isinstance(renewed_at, int) or not (
        0 <= now - renewed_at < settings.SESSION_IDLE_RENEW_EVERY
    ):
        store[RENEWED_AT] = now
        store.save()
    return True


def _ticket_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def ticket_issue(*, user) -> tuple[str, TranscriptionTicket]:
    """A single-use WebSocket ticket valid for 30 s; only its hash is stored."""
    require_feature(user=user, code=FEATURE)
    token = secrets.token_urlsafe(32)
    ticket = TranscriptionTicket.objects.create(
        user=user,
        token_hash=_ticket_hash(token),
        expires_at=timezone.now() + timedelta(seconds=TICKET_SECONDS),
    )
    return token, ticket


@transaction.atomic
def ticket_redeem(*, token: str):
    """The user a fresh, unused ticket names (and spend it), or None."""
    if not token or len(token) > 200:
        return None
    ticket = (
        TranscriptionTicket.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=_ticket_hash(token), used_at__isnull=True)
        .filter(expires_at__gt=timezone.now())
        .first()
    )
    if ticket is None or not ticket.user.is_active:
        return None
    ticket.used_at = timezone.now()
    ticket.save(update_fields=["used_at"])
    return ticket.user


# --- Reading a transcript (audited) ---------------------------------------------


def transcript_read(
    *, user, session: TranscriptionSession, ip_address=None, after_seq: int = 0
):
    """The segments of a session for display; a read by anyone but the author is
    audited (today only authors can read, so this is the seam for supervisors)."""
    if session.owner_id != user.pk:
        audit_record(
            actor=user,
            action="TRANSCRIPT_VIEWED",
            target=session,
            institution=session.institution,
            ip_address=ip_address,
        )
    return segment_list(session=session, after_seq=after_seq)
