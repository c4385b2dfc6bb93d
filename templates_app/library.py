"""Writes of the template library: tags, personal and global templates, and the
snapshot a note keeps of the template it was made from."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from institutions.models import Feature
from institutions.services.authority import admin_membership, is_superadmin
from institutions.services.permissions import require_feature
from noumaris.common.errors import ForbiddenError, NotFoundError
from templates_app.models import NoteTemplate, Tag, TemplateSection

MAX_SECTIONS = 20


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
    require_feature(user=user, code=Feature.Code.CUSTOM_TEMPLATES)
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
    require_feature(user=user, code=Feature.Code.CUSTOM_TEMPLATES)
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
        "audience": spec.get("audience", NoteTemplate.Audience.CHART),
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
        "audience": template.audience,
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
