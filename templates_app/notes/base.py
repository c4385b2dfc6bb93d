"""What every write to a note starts from: the note locked and checked (visible,
its author's, editable), and the revision and audit rows a write adds."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max
from django.utils import timezone

from accounts.services import audit_record
from institutions.services.permissions import records_missing
from noumaris.common.errors import ConflictError, NotFoundError
from templates_app.models import ClinicalNote, NoteRevision
from templates_app.selectors import notes_for_user

# A generation that has not finished after this long died with its process.
GENERATION_STALE_AFTER = dt.timedelta(minutes=10)


def note_audit(note: ClinicalNote, *, actor, action: str, ip_address=None, **details):
    audit_record(
        actor=actor,
        action=action,
        target=note,
        target_type="templates_app.ClinicalNote",
        institution=note.institution,
        ip_address=ip_address,
        details=details,
    )


def note_locked(*, user, note_id) -> ClinicalNote:
    """The note, visible to the user (404 otherwise), locked until commit."""
    try:
        return (
            notes_for_user(user=user)
            .select_for_update(of=("self",))
            .select_related("session", "institution")
            .get(pk=int(note_id))
        )
    except (ClinicalNote.DoesNotExist, TypeError, ValueError):
        raise records_missing(user=user, missing="No such note.") from None


def revision_add(
    note: ClinicalNote, *, user, kind: str, section_key: str = ""
) -> NoteRevision:
    last = note.revisions.aggregate(last=Max("number"))["last"] or 0
    return NoteRevision.objects.create(
        note=note,
        number=last + 1,
        kind=kind,
        author=user,
        section_key=section_key,
        content=note.content,
    )


def require_author(note: ClinicalNote, user) -> None:
    if note.author_id != user.pk:
        raise NotFoundError("No such note.")  # supervisors read; only authors write


def require_editable(note: ClinicalNote) -> None:
    if note.status != ClinicalNote.Status.DRAFT:
        raise ConflictError("This note is signed; a signed note cannot be edited.")
    if is_generating(note):
        raise ConflictError("The note is being drafted; wait for it to finish.")


def is_generating(note: ClinicalNote) -> bool:
    return (
        note.generation == ClinicalNote.Generation.GENERATING
        and note.generation_started_at is not None
        and timezone.now() - note.generation_started_at < GENERATION_STALE_AFTER
    )
