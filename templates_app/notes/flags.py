"""Statement flags: what verification found in a note, and the author's answers.

A section is verified again whenever its text changes (an edit, a draft); a flag
whose problem is gone is resolved by that revision, and the author may confirm a
flagged statement as checked against the transcript.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import AuditLog
from noumaris.common.errors import ConflictError, NotFoundError
from templates_app.generation.verify import Flag, verify_sections
from templates_app.models import ClinicalNote, StatementFlag
from templates_app.notes.base import (
    note_audit,
    note_locked,
    require_author,
    require_editable,
)
from templates_app.selectors import note_review_state
from transcription.heard import heard_texts
from transcription.selectors import segment_list


def _flag_identity(section: str, statement: str, kind: str) -> tuple[str, str, str]:
    return section, " ".join(statement.split()).lower(), kind


def flags_reconcile(note: ClinicalNote, *, keys, user, revision: int) -> list[int]:
    """Verify these sections again: a new problem opens a flag, a flag whose problem
    is gone is resolved by this revision, a confirmed one stays confirmed. Returns
    the ids of the flags resolved."""
    segments = heard_texts(segment_list(session=note.session))
    content = note.sections
    found: dict[tuple, Flag] = {}
    chosen = {k: content.get(k, "") for k in keys}
    for flag in verify_sections(chosen, segments, note=content):
        found.setdefault(_flag_identity(flag.section, flag.statement, flag.kind), flag)
    resolved = []
    existing = note.flags.filter(section_key__in=list(keys)).exclude(
        status=StatementFlag.Status.EDITED
    )
    for row in existing:
        current = found.pop(
            _flag_identity(row.section_key, row.statement, row.kind), None
        )
        if current is not None:
            if row.position != current.index:
                row.position = current.index
                row.save(update_fields=["position"])
        elif row.is_open:
            row.status = StatementFlag.Status.EDITED
            row.resolved_by, row.resolved_at = user, timezone.now()
            row.resolved_revision = revision
            row.save(
                update_fields=[
                    "status",
                    "resolved_by",
                    "resolved_at",
                    "resolved_revision",
                ]
            )
            resolved.append(row.pk)
    StatementFlag.objects.bulk_create(
        StatementFlag(
            note=note,
            section_key=flag.section,
            position=flag.index,
            statement=flag.statement,
            kind=flag.kind,
            message=flag.message,
            seqs=list(flag.seqs),
            cited_words=flag.cited_words,
        )
        for flag in found.values()
    )
    return resolved


@transaction.atomic
def note_flag_confirm(*, user, note_id, flag_id, ip_address=None) -> StatementFlag:
    """The author confirms a flagged statement as checked against the transcript."""
    note = note_locked(user=user, note_id=note_id)
    require_author(note, user)
    require_editable(note)
    try:
        flag = note.flags.select_for_update().get(pk=int(flag_id))
    except (StatementFlag.DoesNotExist, TypeError, ValueError):
        raise NotFoundError("No such flag.") from None
    if not flag.is_open:
        raise ConflictError("This flag is already resolved.")
    flag.status = StatementFlag.Status.CONFIRMED
    flag.resolved_by, flag.resolved_at = user, timezone.now()
    flag.resolved_revision = note_review_state(note=note)["revision"]
    flag.save(
        update_fields=["status", "resolved_by", "resolved_at", "resolved_revision"]
    )
    note_audit(
        note,
        actor=user,
        action=AuditLog.Action.NOTE_FLAG_CONFIRMED,
        ip_address=ip_address,
        flag=flag.pk,
        kind=flag.kind,
        section=flag.section_key,
    )
    return flag
