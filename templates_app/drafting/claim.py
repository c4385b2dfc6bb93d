"""A note's side of drafting: claimed for a draft, its transcript gathered as the
engine's input, sections kept as they finish, then finished or abandoned.

The job around it (queue, events, worker) is `drafting.jobs`; the engine's run is
`drafting.runner`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from institutions.models import Feature
from institutions.services.permissions import require_feature
from noumaris.common.errors import ConflictError
from templates_app.generation import (
    DraftRequest,
    GenerationError,
    SectionSpec,
    Segment,
    Usage,
)
from templates_app.models import ClinicalNote, NoteRevision
from templates_app.notes.base import (
    note_locked,
    require_author,
    require_editable,
    revision_add,
)
from templates_app.notes.flags import flags_reconcile
from templates_app.supervision import services as supervision
from transcription.selectors import segment_list


@dataclass(frozen=True)
class GenerationJob:
    note_id: int
    user_id: int
    section: str
    request: DraftRequest


@transaction.atomic
def note_generation_begin(*, user, note_id, section: str = "") -> GenerationJob:
    """Claim a draft for drafting (all of it, or one section) and gather its input."""
    require_feature(user=user, code=Feature.Code.NOTE_GENERATION)
    note = note_locked(user=user, note_id=note_id)
    require_author(note, user)
    require_editable(note)
    request = _draft_request(note, section)
    note.generation = ClinicalNote.Generation.GENERATING
    note.generation_started_at = timezone.now()
    note.generation_error = ""
    note.save(
        update_fields=[
            "generation",
            "generation_started_at",
            "generation_error",
            "updated_at",
        ]
    )
    return GenerationJob(note.pk, user.pk, section, request)


def note_generation_input(*, note_id: int, user_id: int, section: str) -> GenerationJob:
    """The engine's input for a claimed note, gathered where the draft runs (a task
    worker), from the transcript as it is then."""
    note = ClinicalNote.objects.select_related("session").get(pk=note_id)
    return GenerationJob(note.pk, user_id, section, _draft_request(note, section))


def _draft_request(note: ClinicalNote, section: str) -> DraftRequest:
    specs = tuple(
        SectionSpec(s["key"], s["title"], s.get("instructions", ""))
        for s in note.section_specs
    )
    if section and section not in {spec.key for spec in specs}:
        raise ValidationError({"section": [f"This note has no section '{section}'."]})
    specs = _plan_first(note, specs, section)
    roles = note.session.speaker_roles
    segments = tuple(
        Segment(
            s.seq, s.text, s.start_ms, s.end_ms, s.speaker, roles.get(str(s.speaker))
        )
        for s in segment_list(session=note.session)
    )
    if not segments:
        raise ConflictError(
            "The encounter's transcript is empty; record the encounter first."
        )
    return DraftRequest(
        template_name=note.template_snapshot.get("name", "Note"),
        template_instructions=note.template_snapshot.get("instructions", ""),
        sections=specs,
        segments=segments,
        only=(section,) if section else (),
    )


@transaction.atomic
def note_generation_checkpoint(*, job: GenerationJob, sections: dict[str, str]):
    """Keep what has streamed so far (called as each section finishes)."""
    note = ClinicalNote.objects.select_for_update().get(pk=job.note_id)
    if note.generation != ClinicalNote.Generation.GENERATING:
        return
    _merge_drafted(note, sections)
    note.save(update_fields=["content", "machine_content", "updated_at"])


def _plan_first(note: ClinicalNote, specs: tuple, section: str) -> tuple:
    """Leave out the assessment and plan the resident must write first (policy)."""
    hidden = supervision.plan_first_hidden(note)
    if section in hidden:
        raise ConflictError(
            "Your program asks you to write and save your own assessment and plan "
            "first; the machine's is shown beside yours after that."
        )
    return tuple(spec for spec in specs if spec.key not in hidden)


def _merge_drafted(note: ClinicalNote, sections: dict[str, str]) -> None:
    content, machine = note.sections, note.machine_sections
    resident_writes = supervision.plan_keys(note)  # the machine's goes beside it
    for key, text in sections.items():
        machine[key] = text.strip()
        if key not in resident_writes:
            content[key] = text.strip()
    note.content = json.dumps(content)
    note.machine_content = json.dumps(machine)


@transaction.atomic
def note_generation_finish(
    *,
    job: GenerationJob,
    sections: dict[str, str],
    usage: Usage,
    engine: str,
    model: str,
    error: GenerationError | None = None,
) -> ClinicalNote:
    """Store the draft (whole or partial), its usage and a revision; free the note."""
    note = ClinicalNote.objects.select_for_update().get(pk=job.note_id)
    _merge_drafted(note, sections)
    note.engine, note.model = engine, model
    note.input_tokens += usage.input_tokens
    note.output_tokens += usage.output_tokens
    note.generation = (
        ClinicalNote.Generation.INTERRUPTED
        if error
        else ClinicalNote.Generation.COMPLETE
    )
    note.generation_error = error.message[:300] if error else ""
    note.save()
    if sections:
        kind = (
            NoteRevision.Kind.INTERRUPTED
            if error
            else NoteRevision.Kind.REGENERATED
            if job.section
            else NoteRevision.Kind.GENERATED
        )
        revision = revision_add(
            note, user=note.author, kind=kind, section_key=job.section
        )
        flags_reconcile(
            note, keys=list(sections), user=note.author, revision=revision.number
        )
    return note


@transaction.atomic
def note_generation_abandon(*, note_id: int, message: str, kept: bool) -> None:
    """Free a note whose drafting stopped outside the engine (cancelled, or its
    worker died): the sections saved as they finished stay; nothing else changes."""
    note = ClinicalNote.objects.select_for_update().get(pk=note_id)
    if note.generation != ClinicalNote.Generation.GENERATING:
        return
    note.generation = ClinicalNote.Generation.INTERRUPTED
    note.generation_error = message[:300]
    note.save(update_fields=["generation", "generation_error", "updated_at"])
    if kept:
        revision_add(note, user=note.author, kind=NoteRevision.Kind.INTERRUPTED)
