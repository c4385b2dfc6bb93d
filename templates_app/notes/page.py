"""What the note page shows, for the whole page (`note_page_context`) and for the
partials htmx swaps into it (`note_partials_context`, templates_app/note/): the
sections with their flags and feedback, the review alerts, the transcript and the
teaching panels. What the reader may do there comes from `notes.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass

from noumaris.common.errors import NotFoundError
from templates_app import selectors
from templates_app.generation.doubt import doubt_moment
from templates_app.generation.verify import CHECKED
from templates_app.models import ClinicalNote, StatementFlag
from templates_app.notes.rules import NotePageRules, note_page_rules
from templates_app.presentation import engine_label, note_sections
from templates_app.supervision import selectors as teaching
from templates_app.supervision import services as teaching_services
from templates_app.supervision.authorship import note_authorship
from templates_app.supervision.rubric import PDQI9, SCORE_MAX, SCORE_MIN
from transcription.heard import heard_texts
from transcription.selectors import segment_list
from transcription.services.transcripts import transcript_read


@dataclass(frozen=True)
class SectionEdit:
    """A save the server refused, shown in its section's form: the text typed, why,
    and on a stale save the text saved meanwhile (`conflict`: theirs and yours)."""

    key: str
    text: str
    error: str
    conflict: dict | None = None
    revision: int | None = None


def note_page_context(*, user, note: ClinicalNote, ip_address=None) -> dict:
    """Everything the page renders: the partials' context, the transcript, the sign
    and co-sign panels, and the feedback."""
    segments = list(
        transcript_read(user=user, session=note.session, ip_address=ip_address)
    )
    rules = note_page_rules(note=note, user=user)
    feedback = teaching.note_feedback(note=note)
    context = _partials(
        note, rules=rules, known={s.seq for s in segments}, feedback=feedback
    )
    sections = context["sections"]
    edited = [s for s in sections if s["edited"]]
    return {
        **context,
        **_sign_panel(note, user=user, rules=rules),
        **_review_panel(note, user=user, rules=rules),
        "segments": segments,
        "feedback": feedback,
        "edited_count": len(edited),
        "edited_sections": edited,
        # The page rejoins a draft in progress (its events replay, then live).
        "active_job": selectors.draft_job_active(note_id=note.pk)
        if rules.is_author
        else None,
    }


def note_partials_context(
    *, user, note: ClinicalNote, section: str = "", edit: SectionEdit | None = None
) -> dict:
    """The partials' context: every section, or only `section` (404 when the note
    has none of that key); `edit` shows a refused save in its form."""
    if section and section not in {s["key"] for s in note.section_specs}:
        raise NotFoundError("No such section.")
    known = set(segment_list(session=note.session).values_list("seq", flat=True))
    context = _partials(
        note,
        rules=note_page_rules(note=note, user=user),
        known=known,
        feedback=teaching.note_feedback(note=note),
    )
    if section:
        context["sections"] = [s for s in context["sections"] if s["key"] == section]
    for s in context["sections"]:
        s["edit"] = edit if edit and edit.key == s["key"] else None
    return context


def _partials(
    note: ClinicalNote, *, rules: NotePageRules, known: set[int], feedback: list
) -> dict:
    flags = selectors.note_flags(note=note)
    _place_doubts(note, flags, listen=rules.may_listen)
    sections = note_sections(note, known=known, flags=flags)
    by_section: dict[str, list] = {}
    for item in feedback:
        if item.section_key and item.comment:
            by_section.setdefault(item.section_key, []).append(item)
    for s in sections:
        s["feedback"] = by_section.get(s["key"], [])
    writes = teaching_services.plan_keys(note) if rules.is_author else set()
    hidden = teaching_services.plan_first_hidden(note) if writes else set()
    return {
        "note": note,
        "rules": rules,
        "sections": sections,
        "unverified": sum(len(s["unverified"]) for s in sections),
        "checked": CHECKED,
        "engine_label": engine_label(note),
        "plan_first_hidden": hidden,
        "resident_writes": writes - hidden,
    }


def _place_doubts(note: ClinicalNote, flags: list, *, listen: bool) -> None:
    """Give each flag the moment (`moment_ms`) on the recording where the doubtful
    word it rests on was heard, for a reader who may `listen` (else None); one query
    for the segments the doubt flags cite."""
    for flag in flags:
        flag.moment_ms = None
    doubts = [f for f in flags if f.kind == StatementFlag.Kind.DOUBTFUL_WORD]
    if not (listen and doubts):
        return
    seqs = {seq for f in doubts for seq in f.seqs}
    cited = heard_texts(segment_list(session=note.session).filter(seq__in=seqs))
    for flag in doubts:
        flag.moment_ms = doubt_moment(
            flag.message, {seq: cited[seq] for seq in flag.seqs if seq in cited}
        )


def _sign_panel(note: ClinicalNote, *, user, rules: NotePageRules) -> dict:
    """The attendings the author may name, the one named before first."""
    if not rules.is_author:
        return {"supervisors": [], "supervisor_choice": note.supervisor_id}
    return {
        "supervisors": selectors.supervisors_for_user(user=user),
        # The attending named before (this note's, else the last one named).
        "supervisor_choice": note.supervisor_id
        or (
            selectors.habits_for_user(user=user)["supervisor_id"]
            if rules.editable
            else None
        ),
    }


def _review_panel(note: ClinicalNote, *, user, rules: NotePageRules) -> dict:
    """The attending's attestations and rubric, and who wrote what."""
    reviewing = rules.may_cosign
    if reviewing:
        teaching_services.attestation_defaults_ensure(
            institution_id=note.institution_id
        )
    attestations = (
        teaching.attestation_options(institution_id=note.institution_id)
        if reviewing
        else []
    )
    return {
        "rubric": PDQI9,
        "score_range": range(SCORE_MIN, SCORE_MAX + 1),
        "attestations": attestations,
        "last_attestation_id": teaching.attestation_last_chosen_id(
            user=user, options=attestations
        )
        if attestations
        else None,
        "authorship": note_authorship(note) if rules.is_supervisor else None,
    }
