"""An encounter made from a transcript recorded elsewhere (plain text with speaker
prefixes, or WebVTT)."""

from django.db import transaction
from django.utils import timezone

from accounts.models import AuditLog
from accounts.services import audit_record
from institutions.models import Feature
from institutions.services.permissions import require_feature
from transcription.models import TranscriptionSession, TranscriptSegment
from transcription.services.sessions import require_consent, session_create
from transcription.transcripts import parse_transcript


@transaction.atomic
def transcript_import(
    *, user, text: str, consent: bool, label: str = "", ip_address: str | None = None
) -> TranscriptionSession:
    """An encounter made from a transcript recorded elsewhere (plain text with
    speaker prefixes, or WebVTT): its lines become segments, its labels speakers."""
    require_feature(user=user, code=Feature.Code.LIVE_TRANSCRIPTION)
    require_consent(consent)
    transcript = parse_transcript(text)
    numbers = transcript.speakers()
    last_end = max(line.end_ms for line in transcript.lines)
    session = session_create(
        user=user,
        label=label,
        engine="import",
        status=TranscriptionSession.Status.STOPPED,
        ended_at=timezone.now(),
        audio_seconds=last_end / 1000,
        speaker_roles=transcript.roles(),
    )
    institution, now = session.institution, session.consent_confirmed_at
    TranscriptSegment.objects.bulk_create(
        TranscriptSegment(
            session=session,
            seq=seq,
            speaker=numbers.get(line.speaker),
            start_ms=line.start_ms,
            end_ms=line.end_ms,
            text=line.text,
        )
        for seq, line in enumerate(transcript.lines, start=1)
    )
    audit_record(
        actor=user,
        action=AuditLog.Action.TRANSCRIPT_IMPORTED,
        target=session,
        institution=institution,
        ip_address=ip_address,
        details={
            "format": transcript.format,
            "segments": len(transcript.lines),
            "consent_confirmed_at": now.isoformat(),
        },
    )
    return session
