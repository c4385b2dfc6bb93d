"""Writes of the transcription app: sessions, their segments, tickets, and the
audited read of a transcript (it writes an audit row, so it is a service)."""

import hashlib
import logging
import secrets
import time
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
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
    SpeakerRole,
    TranscriptionSession,
    TranscriptionTicket,
    TranscriptSegment,
    TranscriptSegmentRevision,
)
from transcription.selectors import (
    recording_keyterms,
    segment_list,
    session_get_for_owner,
)
from transcription.transcripts import parse_transcript

logger = logging.getLogger(__name__)

FEATURE = "live_transcription"
TICKET_SECONDS = 30
# A recording session that no socket has touched for this long has no live socket:
# its server died (sockets touch theirs every `connections.REFRESH_SECONDS`).
ORPHAN_SECONDS = 90


class ConsentRequired(ForbiddenError):
    """A new recording without the clinician's confirmation of patient consent."""


class SessionClosed(ForbiddenError):
    """The session was stopped and cannot record again."""


def _require_consent(consent) -> None:
    if consent is not True:
        raise ConsentRequired(
            "Confirm that the patient agreed to be recorded before you start."
        )


def _session_create(*, user, label: str, engine: str, **fields) -> TranscriptionSession:
    """A new encounter of `user`, in their institution, with consent confirmed now."""
    now = timezone.now()
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
    require_feature(user=user, code=FEATURE)
    _require_consent(consent)
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
    session = _session_create(user=user, label=label, engine=engine, language=language)
    institution, now = session.institution, session.consent_confirmed_at
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
    if session.status in {
        TranscriptionSession.Status.STOPPED,
        TranscriptionSession.Status.TRANSCRIBING,
    }:
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


def tickets_purge() -> int:
    """Delete tickets that expired or were spent (periodic); how many."""
    deleted, _ = TranscriptionTicket.objects.filter(
        expires_at__lte=timezone.now()
    ).delete()
    return deleted


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


# --- imported transcripts, speakers, corrections -------------------------------------
@transaction.atomic
def transcript_import(
    *, user, text: str, consent: bool, label: str = "", ip_address: str | None = None
) -> TranscriptionSession:
    """An encounter made from a transcript recorded elsewhere (plain text with
    speaker prefixes, or WebVTT): its lines become segments, its labels speakers."""
    require_feature(user=user, code=FEATURE)
    _require_consent(consent)
    transcript = parse_transcript(text)
    numbers = transcript.speakers()
    last_end = max(line.end_ms for line in transcript.lines)
    session = _session_create(
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
        action="TRANSCRIPT_IMPORTED",
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


def _own_session(*, user, session_id) -> TranscriptionSession:
    return session_get_for_owner(user=user, session_id=session_id, for_update=True)


@transaction.atomic
def speaker_roles_set(
    *, user, session_id, roles: dict, ip_address: str | None = None
) -> TranscriptionSession:
    """Name the role of each of the encounter's speakers ({speaker number: role});
    an empty role clears it."""
    session = _own_session(user=user, session_id=session_id)
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
        action="SPEAKERS_NAMED",
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
    session = _own_session(user=user, session_id=session_id)
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
        action="TRANSCRIPT_CORRECTED",
        target=session,
        institution=session.institution,
        ip_address=ip_address,
        details={"seq": seq, "revision": number},
    )
    return segment


# --- uploaded recordings ----------------------------------------------------------------
def upload_start(
    *, user, file, consent: bool, label: str = "", ip_address: str | None = None
) -> TranscriptionSession:
    """Take an uploaded recording (checked: size, audio, length) and queue its
    transcription; the session reads `transcribing` until it is done."""
    from transcription.audio import audio_seconds

    require_feature(user=user, code=FEATURE)
    _require_consent(consent)
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
    from transcription.tasks import transcribe_upload_enqueue

    session = _session_create(
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
        action="RECORDING_UPLOADED",
        target=session,
        institution=institution,
        ip_address=ip_address,
        details={"seconds": round(seconds, 1), "consent_confirmed_at": now.isoformat()},
    )
    transaction.on_commit(lambda: transcribe_upload_enqueue(session=session, path=path))
    return session


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
            seconds = session.audio_seconds
        else:
            results, seconds = _whisper_transcribe(session_id=session_id, path=path)
        kept = _audio_keep(session=session, path=path)
        _upload_store(session=session, results=results, seconds=seconds, kept=kept)
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
            action="RECORDING_FAILED",
            target=session,
            institution=session.institution,
            details={"engine": session.engine, "audio_deleted": True},
        )


def _whisper_transcribe(*, session_id: int, path: str):
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
        samples, beam_size=settings.WHISPER_BEAM_SIZE, on_progress=progress
    )
    return results, seconds


@transaction.atomic
def _upload_store(*, session, results, seconds: float, kept: Path | None) -> None:
    TranscriptSegment.objects.bulk_create(
        _segment(session_id=session.pk, result=result, seq=seq)
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
        action="RECORDING_TRANSCRIBED",
        target=session,
        institution=session.institution,
        details={
            "engine": session.engine,
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
    from noumaris.fields import fernet

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
    from noumaris.fields import fernet

    session = session_get_for_owner(user=user, session_id=session_id)
    if not session.retained_audio or session.retained_until <= timezone.now():
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
        action="RECORDING_AUDIO_PLAYED",
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
                action="RECORDING_AUDIO_DELETED",
                target=session,
                institution=session.institution,
                details={"reason": "retention ended"},
            )
        purged += 1
    return purged


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
