"""An uploaded recording transcribed in a task worker (Deepgram's pre-recorded API
or Whisper), then its audio deleted, or kept encrypted for the institution's
retention, played back (audited) and purged when that runs out."""

import logging
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import AuditLog
from accounts.services import audit_record
from noumaris.common.errors import NotFoundError
from transcription.models import TranscriptionSession, TranscriptSegment
from transcription.selectors import (
    recording_kept,
    recording_keyterms,
    session_get_for_owner,
)
from transcription.services.segments import segment_build

logger = logging.getLogger(__name__)


def upload_transcribe(*, session_id: int, path: str) -> None:
    """Transcribe an uploaded recording into the session's segments (Deepgram's
    pre-recorded API or Whisper, as the session says), then delete the audio, or
    keep it encrypted when the institution retains recordings."""
    from transcription.engines import EngineError

    session = TranscriptionSession.objects.select_related("institution").get(
        pk=session_id
    )
    kept = None
    try:
        if session.engine == "deepgram":
            from transcription.engines.deepgram import transcribe_file

            keyterms = recording_keyterms(session=session)
            results = transcribe_file(path, keyterms=keyterms)
            seconds, model = session.audio_seconds, settings.DEEPGRAM_MODEL
        else:
            model = settings.WHISPER_UPLOAD_MODEL
            results, seconds = _whisper_transcribe(
                session_id=session_id,
                path=path,
                keyterms=recording_keyterms(session=session),
                model=model,
            )
        kept = _audio_keep(session=session, path=path)
        _upload_store(
            session=session, results=results, seconds=seconds, kept=kept, model=model
        )
        return
    except (EngineError, ValidationError) as error:
        logger.warning("An uploaded recording could not be transcribed: %s", error)
    except Exception:
        logger.exception("An uploaded recording could not be transcribed")
    finally:
        Path(path).unlink(missing_ok=True)
    if kept is not None:  # stored nothing: keep nothing
        kept.unlink(missing_ok=True)
    with transaction.atomic():
        TranscriptionSession.objects.filter(pk=session_id).update(
            status=TranscriptionSession.Status.FAILED, ended_at=timezone.now()
        )
        audit_record(
            actor=session.owner,
            action=AuditLog.Action.RECORDING_FAILED,
            target=session,
            institution=session.institution,
            details={"engine": session.engine, "audio_deleted": True},
        )


def _whisper_transcribe(*, session_id: int, path: str, keyterms=None, model: str):
    from transcription.audio import decode_16k_mono
    from transcription.engines.offline import transcribe_recording

    samples = decode_16k_mono(path)
    seconds = len(samples) / 16000

    def progress(done: float) -> None:
        percent = min(99, int(100 * done / max(seconds, 1)))
        TranscriptionSession.objects.filter(pk=session_id, progress__lt=percent).update(
            progress=percent
        )

    results = transcribe_recording(
        samples,
        beam_size=settings.WHISPER_BEAM_SIZE,
        on_progress=progress,
        keyterms=keyterms,
        model=model,
    )
    return results, seconds


@transaction.atomic
def _upload_store(
    *, session, results, seconds: float, kept: Path | None, model: str
) -> None:
    TranscriptSegment.objects.bulk_create(
        segment_build(session_id=session.pk, result=result, seq=seq)
        for seq, result in enumerate(results, start=1)
    )
    session.status = TranscriptionSession.Status.STOPPED
    session.progress = 100
    session.audio_seconds = round(seconds, 1)
    session.ended_at = timezone.now()
    fields = ["status", "progress", "audio_seconds", "ended_at", "updated_at"]
    if kept is not None:
        days = session.institution.recording_retention_days
        session.retained_audio = str(kept)
        session.retained_until = session.ended_at + timedelta(days=days)
        fields += ["retained_audio", "retained_until"]
    session.save(update_fields=fields)
    audit_record(
        actor=session.owner,
        action=AuditLog.Action.RECORDING_TRANSCRIBED,
        target=session,
        institution=session.institution,
        details={
            "engine": session.engine,
            "model": model,
            "segments": len(results),
            "audio_deleted": kept is None,
            **(
                {"audio_kept_until": session.retained_until.isoformat()} if kept else {}
            ),
        },
    )


# --- Uploaded recordings kept under the institution's retention --------------------


def _audio_keep(*, session: TranscriptionSession, path: str) -> Path | None:
    """An encrypted copy of the recording when its institution retains recordings
    (FIELD_ENCRYPTION_KEYS, as the text is), else None."""
    if not session.institution.recording_retention_days:
        return None
    from noumaris.common.fields import fernet

    folder = Path(settings.UPLOAD_DIR) / "retained"
    folder.mkdir(parents=True, exist_ok=True)
    kept = folder / f"{uuid.uuid4().hex}{Path(path).suffix[:8]}.enc"
    kept.write_bytes(fernet().encrypt(Path(path).read_bytes()))
    return kept


def retained_audio_read(
    *, user, session_id, ip_address: str | None = None
) -> tuple[bytes, str]:
    """The kept recording of the caller's own encounter, decrypted, and its file
    suffix (`.m4a`); each listen is audited. 404 when none is kept (any more)."""
    from noumaris.common.fields import fernet

    session = session_get_for_owner(user=user, session_id=session_id)
    if not recording_kept(session=session):
        raise NotFoundError(
            "This encounter's recording was not kept, or its time ran out."
        )
    kept = Path(session.retained_audio)
    try:
        audio = fernet().decrypt(kept.read_bytes())
    except FileNotFoundError:
        raise NotFoundError(
            "This encounter's recording was not kept, or its time ran out."
        ) from None
    audit_record(
        actor=user,
        action=AuditLog.Action.RECORDING_AUDIO_PLAYED,
        target=session,
        institution=session.institution,
        ip_address=ip_address,
    )
    return audio, Path(kept.stem).suffix


def retained_audio_purge(*, now=None) -> int:
    """Delete every kept recording whose retention has run out; returns how many."""
    now = now or timezone.now()
    purged = 0
    due = TranscriptionSession.objects.filter(retained_until__lte=now).select_related(
        "institution", "owner"
    )
    for session in due.exclude(retained_audio=""):
        Path(session.retained_audio).unlink(missing_ok=True)
        with transaction.atomic():
            TranscriptionSession.objects.filter(pk=session.pk).update(
                retained_audio="", retained_until=None
            )
            audit_record(
                actor=None,
                action=AuditLog.Action.RECORDING_AUDIO_DELETED,
                target=session,
                institution=session.institution,
                details={"reason": "retention ended"},
            )
        purged += 1
    return purged
