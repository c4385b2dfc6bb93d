"""A recording's life: started with the patient's consent, resumed, its state and
audio seconds kept, stopped; a recording whose server died is paused."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import (
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Subquery,
)
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone

from accounts.models import AuditLog
from accounts.services import audit_record
from institutions.models import Feature
from institutions.selectors import user_institution
from institutions.services.permissions import require_feature
from noumaris.common.errors import ForbiddenError, NotFoundError
from transcription.engines.roles import initial_roles
from transcription.freeze import transcript_frozen_reason
from transcription.models import TranscriptionSession, TranscriptSegment
from transcription.selectors import recording_keyterms, segment_last

# A recording session that no socket has touched for this long has no live socket:
# its server died (sockets touch theirs every `connections.REFRESH_SECONDS`).
ORPHAN_SECONDS = 90


class ConsentRequired(ForbiddenError):
    """A new recording without the clinician's confirmation of patient consent."""


class SessionClosed(ForbiddenError):
    """The session was stopped and cannot record again."""


def require_consent(consent) -> None:
    if consent is not True:
        raise ConsentRequired(
            "Confirm that the patient agreed to be recorded before you start."
        )


def session_create(*, user, label: str, engine: str, **fields) -> TranscriptionSession:
    """A new encounter of `user`, in their institution, with consent confirmed now."""
    now = timezone.now()
    fields.setdefault("speaker_roles", initial_roles(engine))
    return TranscriptionSession.objects.create(
        owner=user,
        institution=user_institution(user=user),
        label=label.strip()[:120],
        engine=engine,
        started_at=now,
        consent_confirmed_by=user,
        consent_confirmed_at=now,
        **fields,
    )


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
    require_feature(user=user, code=Feature.Code.LIVE_TRANSCRIPTION)
    require_consent(consent)
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
    session = session_create(user=user, label=label, engine=engine, language=language)
    institution, now = session.institution, session.consent_confirmed_at
    audit_record(
        actor=user,
        action=AuditLog.Action.TRANSCRIPTION_STARTED,
        target=session,
        institution=institution,
        ip_address=ip_address,
        details={"engine": engine, "consent_confirmed_at": now.isoformat()},
    )
    return session


def session_resume(*, user, session_id) -> TranscriptionSession:
    """The caller's own open session (404 otherwise)."""
    require_feature(user=user, code=Feature.Code.LIVE_TRANSCRIPTION)
    try:
        session = TranscriptionSession.objects.select_related("institution").get(
            pk=int(session_id), owner=user
        )
    except (TranscriptionSession.DoesNotExist, TypeError, ValueError):
        raise NotFoundError("No such encounter session.") from None
    if session.status in {
        TranscriptionSession.Status.STOPPED,
        TranscriptionSession.Status.TRANSCRIBING,
    }:
        raise SessionClosed("This encounter was stopped; start a new one.")
    frozen = transcript_frozen_reason(session=session)
    if frozen:  # a signed note's evidence gets no more words
        raise SessionClosed(frozen)
    return session


@dataclass(frozen=True)
class Opening:
    """What a live socket needs to record: its session, the last stored `seq`,
    where the stored audio ends, and the words the engine should listen for."""

    session: TranscriptionSession
    last_seq: int
    audio_ms: int
    keyterms: list[str]
    resumed: bool


def recording_open(
    *,
    user,
    session_id,
    engine: str,
    language: str,
    label: str,
    consent,
    ip_address: str | None,
) -> Opening:
    """A live socket's `start`, in one trip to a database thread: a new session
    (`session_start`) or, with `session_id`, the caller's own resumed."""
    if session_id is None:
        session = session_start(
            user=user,
            engine=engine,
            language=language,
            consent=consent,
            label=label,
            ip_address=ip_address,
        )
        last_seq = last_end_ms = 0
    else:
        session = session_resume(user=user, session_id=session_id)
        last_seq, last_end_ms = segment_last(session_id=session.pk)
    return Opening(
        session=session,
        last_seq=last_seq,
        # the audio the stored segments cover, if a crash lost the count
        audio_ms=max(int(session.audio_seconds * 1000), last_end_ms),
        keyterms=recording_keyterms(session=session),
        resumed=session_id is not None,
    )


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
    session = (
        TranscriptionSession.objects.select_for_update(of=("self",))
        .select_related("institution")
        .get(pk=session_id, owner=user)
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
        action=AuditLog.Action.TRANSCRIPTION_STOPPED,
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
