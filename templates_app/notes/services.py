"""Writes of a note while it is a draft: make it, open it, edit it.

Every write is atomic and locks the note row it changes (see `notes.base`), so a
save racing a signature, or two drafts of one note, cannot interleave. A read by
someone other than the author is audited (never with note text in the details).
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import AuditLog
from institutions.models import Feature
from institutions.services.permissions import require_feature
from noumaris.common.errors import ConflictError, NotFoundError
from templates_app.library import template_snapshot
from templates_app.models import ClinicalNote, NoteRevision
from templates_app.notes.base import (
    note_audit,
    note_locked,
    require_author,
    require_editable,
    revision_add,
)
from templates_app.notes.flags import flags_reconcile
from templates_app.selectors import (
    note_get_for_user,
    note_review_state,
    template_get_for_user,
)
from transcription.selectors import session_draft_denial, session_get_for_owner

MAX_SECTION_CHARS = 20_000


@transaction.atomic
def note_create(*, user, session_id, template_id, ip_address=None) -> ClinicalNote:
    """An empty draft from one of the user's encounters and a template they may use."""
    require_feature(user=user, code=Feature.Code.NOTE_GENERATION)
    session = session_get_for_owner(user=user, session_id=session_id)
    denial = session_draft_denial(session=session)
    if denial:
        raise ConflictError(denial)
    template = template_get_for_user(user=user, template_id=template_id)
    if not template.is_active:
        raise NotFoundError("No such template.")
    snapshot = template_snapshot(template)
    return ClinicalNote.objects.create(
        session=session,
        author=user,
        institution=session.institution,
        template=template,
        template_snapshot=snapshot,
        content=json.dumps({s["key"]: "" for s in snapshot["sections"]}),
        machine_content="{}",
    )


def note_open(*, user, note_id, ip_address=None) -> ClinicalNote:
    """Read a note; a read by anyone but its author is audited (NOTE_VIEWED)."""
    note = note_get_for_user(user=user, note_id=note_id)
    if note.author_id != user.pk:
        with transaction.atomic():
            note_audit(
                note,
                actor=user,
                action=AuditLog.Action.NOTE_VIEWED,
                ip_address=ip_address,
            )
    return note


@transaction.atomic
def note_edit(
    *, user, note_id, sections: dict[str, str], base_revision: int | None = None
) -> ClinicalNote:
    """Replace the text of some sections of a draft; one revision per save.

    `base_revision` is the revision the edit was made on: if a section it changes
    has changed since, nothing is saved and a ConflictError carries both texts.
    The changed sections are verified again: a flag the edit answers is resolved.
    """
    note = note_locked(user=user, note_id=note_id)
    require_author(note, user)
    require_editable(note)
    _check_sections_input(note, sections)
    content = note.sections
    if base_revision is not None:
        _check_not_stale(note, sections, base_revision)
    changed = {k: v.strip() for k, v in sections.items() if content.get(k) != v.strip()}
    if not changed:
        return note
    content.update(changed)
    note.content = json.dumps(content)
    note.save(update_fields=["content", "updated_at"])
    key = next(iter(changed)) if len(changed) == 1 else ""
    revision = revision_add(
        note, user=user, kind=NoteRevision.Kind.EDITED, section_key=key
    )
    resolved = flags_reconcile(
        note, keys=list(changed), user=user, revision=revision.number
    )
    if resolved:
        note_audit(
            note, actor=user, action=AuditLog.Action.NOTE_FLAGS_RESOLVED, flags=resolved
        )
    return note


def _check_sections_input(note: ClinicalNote, sections: dict[str, str]) -> None:
    keys = [spec["key"] for spec in note.section_specs]
    unknown = sorted(set(sections) - set(keys))
    if unknown or not sections:
        raise ValidationError(
            {
                "sections": [
                    f"Unknown section: {', '.join(unknown)}"
                    if unknown
                    else "Nothing to save."
                ]
            }
        )
    for key, text in sections.items():
        if not isinstance(text, str) or len(text) > MAX_SECTION_CHARS:
            raise ValidationError(
                {
                    "sections": [
                        f"Section '{key}' must be text of at most "
                        f"{MAX_SECTION_CHARS:,} characters."
                    ]
                }
            )


def _check_not_stale(note: ClinicalNote, sections: dict[str, str], base: int) -> None:
    latest = note_review_state(note=note)["revision"]
    if base == latest:
        return
    if base > latest or base < 0:
        raise ValidationError({"revision": [f"This note has no revision {base}."]})
    then = note.revisions.get(number=base).sections if base else {}
    now = note.sections
    conflicts = {
        key: {"yours": text.strip(), "theirs": now.get(key, "")}
        for key, text in sections.items()
        if then.get(key, "") != now.get(key, "")
    }
    if conflicts:
        titles = {spec["key"]: spec["title"] for spec in note.section_specs}
        names = ", ".join(titles.get(key, key) for key in conflicts)
        raise ConflictError(
            f"{names} changed after you opened it (revision {base}; now "
            f"{latest}). Nothing was saved: compare both texts and save again.",
            extra={"revision": latest, "conflicts": conflicts},
        )
