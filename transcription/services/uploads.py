"""An uploaded recording taken (checked: size, audio, length) and its transcription
queued (`recordings` does the work in a task worker)."""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import AuditLog
from accounts.services import audit_record
from institutions.models import Feature
from institutions.services.permissions import require_feature
from transcription.models import TranscriptionSession
from transcription.services.sessions import require_consent, session_create
from transcription.tasks import transcribe_upload_enqueue


def upload_start(
    *, user, file, consent: bool, label: str = "", ip_address: str | None = None
) -> TranscriptionSession:
    """Take an uploaded recording (checked: size, audio, length) and queue its
    transcription; the session reads `transcribing` until it is done."""
    from transcription.audio import audio_seconds

    require_feature(user=user, code=Feature.Code.LIVE_TRANSCRIPTION)
    require_consent(consent)
    limit_mb = settings.UPLOAD_MAX_MB
    if file.size > limit_mb * 1024 * 1024:
        raise ValidationError({"file": [f"The file is larger than {limit_mb} MB."]})
    folder = Path(settings.UPLOAD_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{Path(file.name).suffix.lower()[:8]}"
    with path.open("wb") as out:
        for chunk in file.chunks():
            out.write(chunk)
    try:
        seconds = audio_seconds(path)
        if seconds > settings.UPLOAD_MAX_MINUTES * 60:
            raise ValidationError(
                {
                    "file": [
                        f"The recording is longer than "
                        f"{settings.UPLOAD_MAX_MINUTES} minutes."
                    ]
                }
            )
        session = _upload_session(
            user=user, label=label, seconds=seconds, ip_address=ip_address, path=path
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return session


@transaction.atomic
def _upload_session(*, user, label, seconds, ip_address, path) -> TranscriptionSession:
    from transcription.engines import engine_name

    session = session_create(
        user=user,
        label=label,
        # Deepgram's pre-recorded API when keyed, else Whisper in the worker.
        engine="deepgram" if engine_name() == "deepgram" else "offline",
        status=TranscriptionSession.Status.TRANSCRIBING,
        audio_seconds=round(seconds, 1),
    )
    institution, now = session.institution, session.consent_confirmed_at
    audit_record(
        actor=user,
        action=AuditLog.Action.RECORDING_UPLOADED,
        target=session,
        institution=institution,
        ip_address=ip_address,
        details={"seconds": round(seconds, 1), "consent_confirmed_at": now.isoformat()},
    )
    transaction.on_commit(lambda: transcribe_upload_enqueue(session=session, path=path))
    return session
