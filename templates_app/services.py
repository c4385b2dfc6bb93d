"""Writes of the templates and notes app: templates, notes, revisions, sign-off.

Every write is atomic and locks the note row it changes, so a save racing a
signature, or two generations of one note, cannot interleave. Every sign, co-sign,
return, export and every read by someone other than the author is audited (never
with note text in the details).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from accounts.services import audit_record
from institutions.models import FacultyProfile
from institutions.services.authority import admin_membership, is_superadmin
from institutions.services.permissions import (
    check_feature,
    records_missing,
    require_feature,
)
from institutions.services.supervision import export_denial
from noumaris.errors import ConflictError, ForbiddenError, NotFoundError
from templates_app.generation import (
    DraftRequest,
    GenerationError,
    SectionSpec,
    Segment,
    Usage,
)
from templates_app.generation.verify import Flag, verify_sections
from templates_app.models import (
    ClinicalNote,
    NoteFeedback,
    NoteRevision,
    NoteTemplate,
    StatementFlag,
    Tag,
    TemplateSection,
)
from templates_app.selectors import (
    note_get_for_user,
    note_review_state,
    notes_for_user,
    template_get_for_user,
)
from templates_app.supervision import services as supervision
from transcription.heard import heard_texts
from transcription.selectors import segment_list, session_get_for_owner

NOTE_GENERATION = "note_generation"
CUSTOM_TEMPLATES = "custom_templates"
NOTE_EXPORT = "note_export"
MAX_SECTIONS = 20
MAX_SECTION_CHARS = 20_000
# A generation that has not finished after this long died with its process.
GENERATION_STALE_AFTER = dt.timedelta(minutes=10)


# --- Templates ----------------------------------------------------------------------


def tag_ensure(*, name: str) -> Tag:
    tag, _ = Tag.objects.get_or_create(
        slug=slugify(name)[:60], defaults={"name": name.strip()[:60]}
    )
    return tag


def clean_sections(sections: list[dict]) -> list[dict]:
    """Validate a template's sections: 1-20, each with a title and a unique key."""
    cleaned, errors, seen = [], [], set()
    for number, raw in enumerate(sections or [], start=1):
        title = str(raw.get("title", "")).strip()[:80]
        key = slugify(raw.get("key") or title).replace("-", "_")[:40]
        instructions = str(raw.get("instructions", "")).strip()
        if not title and not key and not instructions:
            continue  # an empty form row
        if not title or not key:
            errors.append(f"Section {number} needs a title.")
        elif key in seen:
            errors.append(f"Two sections have the key '{key}'.")
        seen.add(key)
        cleaned.append({"key": key, "title": title, "instructions": instructions})
    if not cleaned:
        errors.append("A template needs at least one section.")
    if len(cleaned) > MAX_SECTIONS:
        errors.append(f"A template has at most {MAX_SECTIONS} sections.")
    if errors:
        raise ValidationError({"sections": errors})
    return cleaned


def _set_sections(template: NoteTemplate, sections: list[dict]) -> None:
    template.sections.all().delete()
    TemplateSection.objects.bulk_create(
        TemplateSection(template=template, position=position, **section)
        for position, section in enumerate(sections)
    )


def _clean_name(name: str) -> str:
    name = (name or "").strip()[:120]
    if not name:
        raise ValidationError({"name": ["Give the template a name."]})
    return name


@transaction.atomic
def template_create_personal(
    *,
    user,
    name: str,
    sections: list[dict],
    specialty: str = "",
    description: str = "",
    instructions: str = "",
    tags: list[Tag] | None = None,
) -> NoteTemplate:
    """A resident's own template (feature `custom_templates`)."""
    require_feature(user=user, code=CUSTOM_TEMPLATES)
    name, cleaned = _clean_name(name), clean_sections(sections)
    template = NoteTemplate.objects.create(
        name=name,
        slug=slugify(name)[:140] or "template",
        specialty=specialty.strip()[:60],
        description=description.strip()[:300],
        instructions=instructions.strip(),
        scope=NoteTemplate.Scope.PERSONAL,
        owner=user,
    )
    _set_sections(template, cleaned)
    template.tags.set(tags or [])
    return template


@transaction.atomic
def template_update_personal(
    *,
    user,
    template_id,
    name: str,
    sections: list[dict],
    specialty: str = "",
    description: str = "",
    instructions: str = "",
    tags: list[Tag] | None = None,
    is_active: bool = True,
) -> NoteTemplate:
    """Edit one of the user's own templates; its version goes up by one."""
    require_feature(user=user, code=CUSTOM_TEMPLATES)
    template = (
        NoteTemplate.objects.select_for_update()
        .filter(pk=template_id, scope=NoteTemplate.Scope.PERSONAL, owner=user)
        .first()
    )
    if template is None:
        raise NotFoundError("No such template.")
    template.name = _clean_name(name)
    template.specialty = specialty.strip()[:60]
    template.description = description.strip()[:300]
    template.instructions = instructions.strip()
    template.is_active = is_active
    template.version += 1
    template.save(
        update_fields=[
            "name",
            "specialty",
            "description",
            "instructions",
            "is_active",
            "version",
            "updated_at",
        ]
    )
    _set_sections(template, clean_sections(sections))
    template.tags.set(tags or [])
    return template


@transaction.atomic
def template_seed_global(*, spec: dict) -> tuple[NoteTemplate, bool]:
    """Create or refresh a global template by slug; the version goes up on change."""
    sections = clean_sections(spec["sections"])
    fields = {
        "name": spec["name"],
        "specialty": spec.get("specialty", ""),
        "description": spec.get("description", ""),
        "instructions": spec.get("instructions", "").strip(),
    }
    template = NoteTemplate.objects.filter(
        scope=NoteTemplate.Scope.GLOBAL, slug=spec["slug"]
    ).first()
    created = template is None
    if created:
        template = NoteTemplate.objects.create(
            slug=spec["slug"], scope=NoteTemplate.Scope.GLOBAL, **fields
        )
    else:
        old = [
            {"key": s.key, "title": s.title, "instructions": s.instructions}
            for s in template.sections.order_by("position")
        ]
        current = {name: getattr(template, name) for name in fields}
        if old == sections and current == fields and template.is_active:
            return template, False
        for name, value in fields.items():
            setattr(template, name, value)
        template.is_active = True
        template.version += 1
        template.save()
    _set_sections(template, sections)
    template.tags.set([tag_ensure(name=name) for name in spec.get("tags", [])])
    return template, created


def template_admin_prepare(*, actor, template: NoteTemplate, change: bool) -> None:
    """Before the admin saves a template: an institution admin's template belongs to
    their institution; every change bumps the version (notes keep the old one)."""
    membership = admin_membership(actor)
    if not is_superadmin(actor):
        if membership is None:
            raise ForbiddenError("Only administrators manage templates here.")
        template.scope = NoteTemplate.Scope.INSTITUTION
        template.institution_id = membership.institution_id
        template.owner = None
    if not template.slug:
        template.slug = slugify(template.name)[:140] or "template"
    if change:
        template.version += 1


def template_snapshot(template: NoteTemplate) -> dict:
    """What a note keeps of its template (no PHI)."""
    return {
        "id": template.pk,
        "name": template.name,
        "version": template.version,
        "specialty": template.specialty,
        "instructions": template.instructions,
        "loinc": TEMPLATE_LOINC.get(template.slug, DEFAULT_LOINC),
        "sections": [
            {"key": s.key, "title": s.title, "instructions": s.instructions}
            for s in template.sections.all()
        ],
    }


# LOINC document types for the FHIR export, by seeded template slug.
DEFAULT_LOINC = ("34109-9", "Note")
TEMPLATE_LOINC = {
    "soap": ("11506-3", "Progress note"),
    "progress-note": ("11506-3", "Progress note"),
    "history-and-physical": ("34117-2", "History and physical note"),
    "consult": ("11488-4", "Consult note"),
    "discharge-summary": ("18842-5", "Discharge summary"),
    "procedure-note": ("28570-0", "Procedure note"),
    "ed-note": ("34111-1", "Emergency department note"),
    "patient-instructions": ("69730-0", "Instructions"),
}


# --- Notes ---------------------------------------------------------------------------


def _audit(note: ClinicalNote, *, actor, action: str, ip_address=None, **details):
    audit_record(
        actor=actor,
        action=action,
        target=note,
        target_type="templates_app.ClinicalNote",
        institution=note.institution,
        ip_address=ip_address,
        details=details,
    )


def _locked_note(*, user, note_id) -> ClinicalNote:
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


def _add_revision(
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


def _require_author(note: ClinicalNote, user) -> None:
    if note.author_id != user.pk:
        raise NotFoundError("No such note.")  # supervisors read; only authors write


def _require_editable(note: ClinicalNote) -> None:
    if note.status != ClinicalNote.Status.DRAFT:
        raise ConflictError("This note is signed; a signed note cannot be edited.")
    if _generating(note):
        raise ConflictError("The note is being drafted; wait for it to finish.")


def _generating(note: ClinicalNote) -> bool:
    return (
        note.generation == ClinicalNote.Generation.GENERATING
        and note.generation_started_at is not None
        and timezone.now() - note.generation_started_at < GENERATION_STALE_AFTER
    )


@transaction.atomic
def note_create(*, user, session_id, template_id, ip_address=None) -> ClinicalNote:
    """An empty draft from one of the user's encounters and a template they may use."""
    require_feature(user=user, code=NOTE_GENERATION)
    session = session_get_for_owner(user=user, session_id=session_id)
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
            _audit(note, actor=user, action="NOTE_VIEWED", ip_address=ip_address)
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
    note = _locked_note(user=user, note_id=note_id)
    _require_author(note, user)
    _require_editable(note)
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
    revision = _add_revision(
        note, user=user, kind=NoteRevision.Kind.EDITED, section_key=key
    )
    resolved = _flags_reconcile(
        note, keys=list(changed), user=user, revision=revision.number
    )
    if resolved:
        _audit(note, actor=user, action="NOTE_FLAGS_RESOLVED", flags=resolved)
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


# --- Statement flags ------------------------------------------------------------------


def _flag_identity(section: str, statement: str, kind: str) -> tuple[str, str, str]:
    return section, " ".join(statement.split()).lower(), kind


def _flags_reconcile(note: ClinicalNote, *, keys, user, revision: int) -> list[int]:
    """Verify these sections again: a new problem opens a flag, a flag whose problem
    is gone is resolved by this revision, a confirmed one stays confirmed. Returns
    the ids of the flags resolved."""
    segments = heard_texts(segment_list(session=note.session))
    content = note.sections
    found: dict[tuple, Flag] = {}
    for flag in verify_sections({k: content.get(k, "") for k in keys}, segments):
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
    note = _locked_note(user=user, note_id=note_id)
    _require_author(note, user)
    _require_editable(note)
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
    _audit(
        note,
        actor=user,
        action="NOTE_FLAG_CONFIRMED",
        ip_address=ip_address,
        flag=flag.pk,
        kind=flag.kind,
        section=flag.section_key,
    )
    return flag


# --- Generation ---------------------------------------------------------------------


@dataclass(frozen=True)
class GenerationJob:
    note_id: int
    user_id: int
    section: str
    request: DraftRequest


@transaction.atomic
def note_generation_begin(*, user, note_id, section: str = "") -> GenerationJob:
    """Claim a draft for drafting (all of it, or one section) and gather its input."""
    require_feature(user=user, code=NOTE_GENERATION)
    note = _locked_note(user=user, note_id=note_id)
    _require_author(note, user)
    _require_editable(note)
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
        revision = _add_revision(
            note, user=note.author, kind=kind, section_key=job.section
        )
        _flags_reconcile(
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
        _add_revision(note, user=note.author, kind=NoteRevision.Kind.INTERRUPTED)


# --- Sign-off -----------------------------------------------------------------------


@transaction.atomic
def note_sign(*, user, note_id, supervisor_id=None, ip_address=None) -> ClinicalNote:
    """The author signs and locks the draft, naming the attending who co-signs.

    A resident must name active faculty of the note's institution (anyone else is
    'not found'); a physician, who belongs to no institution, signs alone.
    """
    note = _locked_note(user=user, note_id=note_id)
    _require_author(note, user)
    _require_editable(note)
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
    _audit(
        note,
        actor=user,
        action="NOTE_SIGNED",
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
    if note.institution_id is None:
        if supervisor_id not in (None, ""):
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
    note = _locked_note(user=user, note_id=note_id)
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
    _audit(
        note,
        actor=user,
        action="NOTE_COSIGNED",
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
    _audit(note, actor=user, action="NOTE_RETURNED", ip_address=ip_address)
    return note


def note_export_denial(*, user, note: ClinicalNote) -> str:
    """Why `user` may not export or print `note` now, or "" (one home for the rule).

    The attending who co-signed a note may export it; anyone else needs the feature
    `note_export`; and the institution's policy may hold a PGY-1 note until it is
    co-signed.
    """
    cosigned = note.status == ClinicalNote.Status.COSIGNED
    if not (cosigned and note.supervisor_id == user.pk):
        access = check_feature(user, NOTE_EXPORT)
        if not access:
            return access.reason
    return export_denial(
        author_id=note.author_id, institution_id=note.institution_id, cosigned=cosigned
    )


@transaction.atomic
def note_export_record(*, user, note_id, fmt: str, ip_address=None) -> ClinicalNote:
    """Check export rights (see `note_export_denial`) and audit the export."""
    access = check_feature(user, NOTE_EXPORT)
    if access:
        note = note_get_for_user(user=user, note_id=note_id)
    else:
        # Without the feature only the co-signing attending gets further; anyone
        # else hears why before the note is looked up, as before.
        note = _cosigned_by(user=user, note_id=note_id)
        if note is None:
            raise ForbiddenError(access.reason)
    denial = note_export_denial(user=user, note=note)
    if denial:
        raise ForbiddenError(denial)
    _audit(note, actor=user, action="NOTE_EXPORTED", ip_address=ip_address, format=fmt)
    return note


def _cosigned_by(*, user, note_id) -> ClinicalNote | None:
    try:
        return (
            notes_for_user(user=user)
            .filter(supervisor=user, status=ClinicalNote.Status.COSIGNED)
            .select_related("author", "supervisor", "session", "institution")
            .filter(pk=int(note_id))
            .first()
        )
    except (TypeError, ValueError):
        return None
