"""Sign-off: the author signs, the named attending co-signs or returns the note.

Each step is atomic, locks the note and is audited.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import AuditLog
from institutions.models import FacultyProfile
from noumaris.common.errors import ConflictError, NotFoundError
from templates_app.models import ClinicalNote, NoteFeedback, StatementFlag
from templates_app.notes.base import (
    note_audit,
    note_locked,
    require_author,
    require_editable,
)
from templates_app.supervision import services as supervision
from templates_app.supervision.selectors import note_needs_cosign


@transaction.atomic
def note_sign(*, user, note_id, supervisor_id=None, ip_address=None) -> ClinicalNote:
    """The author signs and locks the draft, naming the attending who co-signs.

    A resident must name active faculty of the note's institution (anyone else is
    'not found'); a physician, who belongs to no institution, signs alone.
    """
    note = note_locked(user=user, note_id=note_id)
    require_author(note, user)
    require_editable(note)
    if not any(text.strip() for text in note.sections.values()):
        raise ConflictError("The note is empty; draft or write it before signing.")
    _require_no_open_flags(note)
    supervisor = _supervisor(note, supervisor_id)
    note.status = ClinicalNote.Status.SIGNED
    note.supervisor = supervisor
    note.signed_at = timezone.now()
    note.return_comment, note.returned_at = "", None
    note.save(
        update_fields=[
            "status",
            "supervisor",
            "signed_at",
            "return_comment",
            "returned_at",
            "updated_at",
        ]
    )
    note_audit(
        note,
        actor=user,
        action=AuditLog.Action.NOTE_SIGNED,
        ip_address=ip_address,
        supervisor_id=supervisor.pk if supervisor else None,
    )
    return note


def _require_no_open_flags(note: ClinicalNote) -> None:
    count = note.flags.filter(status=StatementFlag.Status.OPEN).count()
    if count:
        raise ConflictError(
            f"{count} flagged statement{'s' if count != 1 else ''} must be "
            "resolved before signing: edit each one, or confirm it as checked "
            "against the transcript.",
            extra={"open_flags": count},
        )


def _supervisor(note: ClinicalNote, supervisor_id):
    if not note_needs_cosign(note):
        if note.institution_id is None and supervisor_id not in (None, ""):
            raise NotFoundError("No such attending at your institution.")
        return None
    if supervisor_id in (None, ""):
        raise ValidationError(
            {"supervisor": ["Name the attending who will co-sign this note."]}
        )
    try:
        faculty = FacultyProfile.objects.select_related("user").get(
            user_id=int(supervisor_id),
            institution_id=note.institution_id,
            is_active=True,
        )
    except (FacultyProfile.DoesNotExist, TypeError, ValueError):
        raise NotFoundError("No such attending at your institution.") from None
    if faculty.user_id == note.author_id:
        raise ValidationError({"supervisor": ["You cannot co-sign your own note."]})
    return faculty.user


def _supervised(*, user, note_id) -> ClinicalNote:
    note = note_locked(user=user, note_id=note_id)
    if note.supervisor_id != user.pk:
        raise NotFoundError("No such note.")
    return note


@transaction.atomic
def note_cosign(
    *,
    user,
    note_id,
    attestation_id=None,
    addendum: str = "",
    scores: dict | None = None,
    comment: str = "",
    section: str = "",
    ip_address=None,
) -> ClinicalNote:
    """The named attending co-signs a signed note with an attestation from the
    institution's list (and an optional addendum); it is final. A rating and a
    comment for the resident may come with it."""
    note = _supervised(user=user, note_id=note_id)
    if note.status == ClinicalNote.Status.COSIGNED:
        raise ConflictError("This note is already co-signed.")
    if note.status != ClinicalNote.Status.SIGNED:
        raise ConflictError("The resident must sign the note before it is co-signed.")
    supervision.attestation_choose(
        note=note, attestation_id=attestation_id, addendum=addendum
    )
    note.status = ClinicalNote.Status.COSIGNED
    note.cosigned_at = timezone.now()
    note.save(
        update_fields=[
            "status",
            "cosigned_at",
            "attestation",
            "attestation_addendum",
            "updated_at",
        ]
    )
    feedback = supervision.feedback_record(
        note=note,
        reviewer=user,
        kind=NoteFeedback.Kind.COSIGN,
        scores=scores,
        comment=comment,
        section=section,
    )
    note_audit(
        note,
        actor=user,
        action=AuditLog.Action.NOTE_COSIGNED,
        ip_address=ip_address,
        feedback=feedback is not None,
    )
    return note


@transaction.atomic
def note_return(
    *,
    user,
    note_id,
    comment: str,
    scores: dict | None = None,
    section: str = "",
    ip_address=None,
) -> ClinicalNote:
    """The named attending sends a signed note back to its author with a comment,
    optionally about one section and with a rating; the resident sees both."""
    note = _supervised(user=user, note_id=note_id)
    if note.status != ClinicalNote.Status.SIGNED:
        raise ConflictError("Only a signed note awaiting co-signature can be returned.")
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": ["Say what the resident should change."]})
    note.status = ClinicalNote.Status.DRAFT
    note.signed_at = None
    note.returned_at = timezone.now()
    note.return_comment = comment[:4000]
    note.save(
        update_fields=[
            "status",
            "signed_at",
            "returned_at",
            "return_comment",
            "updated_at",
        ]
    )
    supervision.feedback_record(
        note=note,
        reviewer=user,
        kind=NoteFeedback.Kind.RETURN,
        scores=scores,
        comment=comment,
        section=section,
    )
    note_audit(
        note, actor=user, action=AuditLog.Action.NOTE_RETURNED, ip_address=ip_address
    )
    return note


def transcript_signed_reason(*, session, for_update: bool = False) -> str:
    """Why an encounter's transcript may no longer change: a note drafted from it is
    signed, awaiting co-signature or co-signed, and the transcript is its evidence
    of record (registered with transcription.freeze; "" while every note is a
    draft, a returned one included). `for_update` locks the notes, so a signature
    racing a correction waits for it, or the correction sees the signature."""
    notes = ClinicalNote.objects.filter(session_id=session.pk)
    if for_update:
        notes = notes.select_for_update()
    rows = list(notes.values_list("status", "supervisor_id"))
    statuses = {status for status, _ in rows}
    if ClinicalNote.Status.COSIGNED in statuses:
        return (
            "This transcript is part of a co-signed note: it is kept as the note's "
            "evidence and can no longer be changed."
        )
    if any(s == ClinicalNote.Status.SIGNED and supervisor for s, supervisor in rows):
        return (
            "This transcript is part of a signed note awaiting co-signature: it is "
            "kept as the note's evidence. It can be corrected again if the attending "
            "returns the note."
        )
    if ClinicalNote.Status.SIGNED in statuses:
        return (
            "This transcript is part of a signed note: it is kept as the note's "
            "evidence and can no longer be changed."
        )
    return ""
