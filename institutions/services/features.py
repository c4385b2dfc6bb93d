"""The feature catalogue, features an institution has, and grants to people."""

from dataclasses import dataclass

from django.db import transaction

from institutions.models import Feature

LIVE_TRANSCRIPTION = "live_transcription"
NOTE_GENERATION = "note_generation"
CUSTOM_TEMPLATES = "custom_templates"
NOTE_EXPORT = "note_export"


@dataclass(frozen=True)
class FeatureSpec:
    code: str
    name: str
    description: str


CATALOGUE = (
    FeatureSpec(
        LIVE_TRANSCRIPTION,
        "Live transcription",
        "Record an encounter in the browser and watch the transcript appear live.",
    ),
    FeatureSpec(
        NOTE_GENERATION,
        "Note generation",
        "Draft a clinical note from a template and the transcript.",
    ),
    FeatureSpec(CUSTOM_TEMPLATES, "Custom templates", "Write personal note templates."),
    FeatureSpec(
        NOTE_EXPORT, "Note export", "Export signed notes as text, Markdown or FHIR."
    ),
)
ALL_FEATURE_CODES = tuple(spec.code for spec in CATALOGUE)


@transaction.atomic
def feature_seed() -> list[Feature]:
    """Create the catalogue's missing features; return the ones created (idempotent)."""
    created = []
    for spec in CATALOGUE:
        feature, was_created = Feature.objects.get_or_create(
            code=spec.code,
            defaults={"name": spec.name, "description": spec.description},
        )
        if was_created:
            created.append(feature)
    return created
