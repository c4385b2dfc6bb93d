"""A transcript after the recording: read (audited), its speakers named, a segment
corrected (every version kept); neither once a signed note cites it
(transcription.freeze)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import AuditLog
from accounts.services import audit_record
from noumaris.common.errors import ConflictError, NotFoundError
from transcription.freeze import transcript_frozen_reason
from transcription.models import (
    SpeakerRole,
    TranscriptionSession,
    TranscriptSegment,
    TranscriptSegmentRevision,
)
from transcription.selectors import segment_list, session_get_for_owner


def transcript_read(
    *, user, session: TranscriptionSession, ip_address=None, after_seq: int = 0
):
    """The segments of a session for display; a read by anyone but the author is
    audited (today only authors can read, so this is the seam for supervisors)."""
    if session.owner_id != user.pk:
        audit_record(
            actor=user,
            action=AuditLog.Action.TRANSCRIPT_VIEWED,
            target=session,
            institution=session.institution,
            ip_address=ip_address,
        )
    return segment_list(session=session, after_seq=after_seq)


def _changeable_session(*, user, session_id) -> TranscriptionSession:
    """The caller's own session, locked, whose transcript may still change: 409 with
    the reason once it is the evidence of a signed note."""
    session = session_get_for_owner(user=user, session_id=session_id, for_update=True)
    reason = transcript_frozen_reason(session=session, for_update=True)
    if reason:
        raise ConflictError(reason)
    return session


@transaction.atomic
def speaker_roles_set(
    *, user, session_id, roles: dict, ip_address: str | None = None
) -> TranscriptionSession:
    """Name the role of each of the encounter's speakers ({speaker number: role});
    an empty role clears it."""
    session = _changeable_session(user=user, session_id=session_id)
    present = set(
        session.segments.exclude(speaker=None).values_list("speaker", flat=True)
    )
    updated = dict(session.speaker_roles)
    for key, role in roles.items():
        try:
            number = int(key)
        except (TypeError, ValueError):
            number = -1
        if number not in present:
            raise ValidationError({"roles": [f"This encounter has no speaker {key}."]})
        if role in ("", None):
            updated.pop(str(number), None)
        elif role in SpeakerRole.values:
            updated[str(number)] = role
        else:
            raise ValidationError({"roles": [f"'{role}' is not a speaker role."]})
    session.speaker_roles = updated
    session.save(update_fields=["speaker_roles", "updated_at"])
    audit_record(
        actor=user,
        action=AuditLog.Action.SPEAKERS_NAMED,
        target=session,
        institution=session.institution,
        ip_address=ip_address,
        details={"roles": updated},
    )
    return session


@transaction.atomic
def segment_correct(
    *, user, session_id, seq: int, text: str, ip_address: str | None = None
) -> TranscriptSegment:
    """Correct a segment's text, keeping every version (the engine's first)."""
    session = _changeable_session(user=user, session_id=session_id)
    if session.is_open:
        raise ConflictError("Stop the recording before you correct its transcript.")
    text = " ".join(text.split())
    if not text:
        raise ValidationError({"text": ["A segment cannot be empty."]})
    segment = session.segments.filter(seq=seq).first()
    if segment is None:
        raise NotFoundError("No such segment.")
    if text == segment.text:
        return segment
    numbers = list(segment.revisions.values_list("number", flat=True))
    if not numbers:
        TranscriptSegmentRevision.objects.create(
            segment=segment, number=0, text=segment.text, edited_by=None
        )
    number = max(numbers, default=0) + 1
    TranscriptSegmentRevision.objects.create(
        segment=segment, number=number, text=text, edited_by=user
    )
    segment.text = text
    segment.save(update_fields=["text"])
    audit_record(
        actor=user,
        action=AuditLog.Action.TRANSCRIPT_CORRECTED,
        target=session,
        institution=session.institution,
        ip_address=ip_address,
        details={"seq": seq, "revision": number},
    )
    return segment
