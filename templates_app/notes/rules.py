"""The rules of what one person may see and do on one note now: the note page and
the notes API both read them here (`NoteSerializer.rules`), so a button the page
shows is the write the API accepts.

The services check each rule again, under the note's lock, when the write comes;
these say what to offer, never what to allow.
"""

from __future__ import annotations

from dataclasses import dataclass

from templates_app.models import ClinicalNote
from templates_app.notes.base import is_generating
from templates_app.notes.export import note_export_denial
from templates_app.selectors import note_review_state
from templates_app.supervision.selectors import note_needs_cosign
from transcription.selectors import recording_kept


@dataclass(frozen=True, slots=True)
class NotePageRules:
    is_author: bool
    is_supervisor: bool
    # The author's draft: edit a section, redraft, confirm a flag as checked.
    editable: bool
    # A draft is being written (edits wait for it).
    generating: bool
    # Never drafted yet: opening it from "Generate note" starts the draft.
    undrafted: bool
    # The latest revision's number (what an edit names) and the open flags' count.
    revision: int
    open_flags: int
    # The author names the attending who co-signs when signing.
    needs_supervisor: bool
    # The named attending, the note signed: co-sign it, or return it.
    may_cosign: bool
    # Why the note may not be exported or printed now ("" when it may).
    export_denial: str
    # The encounter's recording is kept and is this person's to play.
    may_listen: bool

    @property
    def may_draft(self) -> bool:
        return self.editable and not self.generating

    @property
    def may_sign(self) -> bool:
        """Offered once no flag is open (the note's text is checked on signing)."""
        return self.may_draft and not self.open_flags

    @property
    def may_export(self) -> bool:
        return not self.export_denial


def note_page_rules(
    *, note: ClinicalNote, user, review: dict | None = None
) -> NotePageRules:
    """What `user` may do with `note` now; `review` (note_review_state) when the
    caller has it already."""
    review = review or note_review_state(note=note)
    is_author = note.author_id == user.pk
    is_supervisor = note.supervisor_id == user.pk
    return NotePageRules(
        is_author=is_author,
        is_supervisor=is_supervisor,
        editable=is_author and note.is_editable,
        generating=is_generating(note),
        undrafted=note.generation == ClinicalNote.Generation.IDLE,
        revision=review["revision"],
        open_flags=review["open_flags"],
        needs_supervisor=note_needs_cosign(note),
        may_cosign=is_supervisor and note.status == ClinicalNote.Status.SIGNED,
        export_denial=note_export_denial(user=user, note=note),
        may_listen=note.session.owner_id == user.pk
        and recording_kept(session=note.session),
    )
