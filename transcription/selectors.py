"""Reads of the transcription app, always scoped to what the caller may see."""

import datetime as dt

from asgiref.sync import sync_to_async
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from institutions.months import month_of, month_window
from institutions.selectors import user_institution, vocabulary_terms
from institutions.services.authority import (
    admin_membership,
    is_superadmin,
    require_superadmin,
)
from institutions.services.permissions import records_missing, records_open
from transcription import connections
from transcription.engines.keyterms import DEFAULT_KEYTERMS
from transcription.freeze import transcript_frozen_reason
from transcription.models import (
    TranscriptionSession,
    TranscriptSegment,
    TranscriptSegmentRevision,
)


def session_list_for_owner(*, user, limit: int | None = None) -> QuerySet:
    """The caller's own sessions, newest first, with their segment counts."""
    qs = (
        TranscriptionSession.objects.filter(records_open(user), owner=user)
        .annotate(segment_count=Count("segments"))
        .order_by("-started_at", "-id")
    )
    return qs[:limit] if limit else qs


def session_get_for_owner(
    *, user, session_id, with_counts: bool = False, for_update: bool = False
) -> TranscriptionSession:
    """The caller's own session; 404 for anyone else's (it does not exist for them),
    403 with the reason for a resident whose residency ended. Every read and write of
    one session by its owner comes through here (`for_update` locks it)."""
    qs = TranscriptionSession.objects.filter(records_open(user))
    if for_update:
        qs = qs.select_for_update(of=("self",))
    qs = qs.select_related("consent_confirmed_by")
    if with_counts:
        qs = qs.annotate(segment_count=Count("segments"))
    try:
        return qs.get(pk=int(session_id), owner=user)
    except (TranscriptionSession.DoesNotExist, TypeError, ValueError):
        raise records_missing(user=user, missing="No such encounter session.") from None


def uploads_waiting(*, session: TranscriptionSession) -> int:
    """Uploads still to transcribe from the session's institution (a physician's:
    their own), itself included: the upload queue's fairness counts these."""
    waiting = TranscriptionSession.objects.filter(
        status=TranscriptionSession.Status.TRANSCRIBING
    )
    if session.institution_id:
        return waiting.filter(institution_id=session.institution_id).count()
    return waiting.filter(owner_id=session.owner_id).count()


def session_draft_denial(*, session: TranscriptionSession) -> str:
    """Why no note can be made from this encounter now, or "" (the page and the
    notes service ask this one rule)."""
    if session.status == TranscriptionSession.Status.TRANSCRIBING:
        return "The note can be drafted once the transcript is ready."
    if session.is_open:
        return "Stop the recording to draft its note."
    return ""


def session_may_resume(*, session: TranscriptionSession, segment_count: int) -> bool:
    """Whether the recorder can go on with this encounter: one still open, or a
    live recording that broke off after storing some of its transcript (an upload
    that failed stored nothing and is uploaded again), unless a signed note cites
    that transcript (transcription.freeze)."""
    if session.is_open:
        return True
    return (
        session.status == TranscriptionSession.Status.FAILED
        and segment_count > 0
        and not transcript_frozen_reason(session=session)
    )


def segment_last(*, session_id: int) -> tuple[int, int]:
    """The `seq` of a session's last stored segment and where its audio ends, in a
    session the caller already holds; (0, 0) when none."""
    return (
        TranscriptSegment.objects.filter(session_id=session_id)
        .order_by("-seq")
        .values_list("seq", "end_ms")
        .first()
    ) or (0, 0)


def segment_list(*, session: TranscriptionSession, after_seq: int = 0) -> QuerySet:
    """A session's stored segments in order (its owner already checked)."""
    return TranscriptSegment.objects.filter(
        session=session, seq__gt=after_seq
    ).order_by("seq")


def segment_originals(*, session: TranscriptionSession) -> dict[int, str]:
    """What the engine heard, by `seq`, for the segments the clinician corrected."""
    rows = TranscriptSegmentRevision.objects.filter(
        segment__session=session, number=0
    ).values_list("segment__seq", "text")
    return dict(rows)


def transcription_minutes_by_month(
    *, institution, months: int = 6
) -> dict[dt.date, float]:
    """Minutes of audio transcribed per calendar month of the institution's time zone
    (first day of month -> minutes), for its usage panel. Months without activity
    may be absent."""
    window = month_window(institution=institution, months=months)
    rows = (
        TranscriptionSession.objects.filter(
            institution=institution, started_at__gte=window.since
        )
        .annotate(month=TruncMonth("started_at", tzinfo=window.zone))
        .values("month")
        .annotate(seconds=Sum("audio_seconds"))
        .order_by("month")
    )
    return {
        month_of(row["month"]): round((row["seconds"] or 0) / 60, 2) for row in rows
    }


def session_counts_by_engine() -> dict[str, int]:
    """Sessions recorded per engine, all institutions (superadmin metrics)."""
    rows = TranscriptionSession.objects.values("engine").annotate(n=Count("id"))
    return {row["engine"]: row["n"] for row in rows.order_by("engine")}


def open_session_counts_by_engine() -> dict[str, int]:
    rows = (
        TranscriptionSession.objects.filter(
            status__in=[
                TranscriptionSession.Status.RECORDING,
                TranscriptionSession.Status.PAUSED,
            ]
        )
        .values("engine")
        .annotate(n=Count("id"))
    )
    return {row["engine"]: row["n"] for row in rows.order_by("engine")}


def audio_seconds_total() -> float:
    return TranscriptionSession.objects.aggregate(s=Sum("audio_seconds"))["s"] or 0.0


async def websocket_metrics(*, user) -> dict:
    """Open sockets (every worker), sessions per engine, audio, errors: superadmins."""
    await sync_to_async(require_superadmin)(user, to="see WebSocket metrics")

    def from_database() -> dict:
        return {
            "sessions_by_engine": session_counts_by_engine(),
            "open_sessions_by_engine": open_session_counts_by_engine(),
            "audio_seconds": round(audio_seconds_total(), 1),
        }

    figures = await sync_to_async(from_database)()
    figures["open_connections"] = await connections.open_connection_count()
    figures["errors"] = await connections.error_counts()
    return figures


def session_list_for_admin(*, user) -> QuerySet:
    """Sessions an admin may count: every one for superadmins, their institution's
    for institution admins, none otherwise. Never the text (no segments)."""
    qs = TranscriptionSession.objects.select_related("owner", "institution").annotate(
        segment_count=Count("segments")
    )
    if is_superadmin(user):
        return qs
    membership = admin_membership(user)
    if membership is None:
        return qs.none()
    return qs.filter(institution_id=membership.institution_id)


def recording_retention_days(*, user) -> int:
    """How many days the user's institution keeps uploaded recordings (0: none)."""
    institution = user_institution(user=user)
    return institution.recording_retention_days if institution else 0


def recording_kept(*, session: TranscriptionSession, now=None) -> bool:
    """Whether the encounter's uploaded recording is kept (and its time not run
    out), for its owner to play."""
    return bool(session.retained_audio) and session.retained_until > (
        now or timezone.now()
    )


def recording_keyterms(*, session: TranscriptionSession) -> list[str]:
    """What the speech service should listen for in this encounter: its
    institution's vocabulary first, then the default clinical list."""
    institution = session.institution
    own = vocabulary_terms(institution.vocabulary) if institution else []
    return [*own, *DEFAULT_KEYTERMS]
