"""Every database has the four features of DESIGN 'Roles' (seed_features re-checks)."""

from django.db import migrations

FEATURES = [
    (
        "live_transcription",
        "Live transcription",
        "Record an encounter in the browser and watch the transcript appear live.",
    ),
    (
        "note_generation",
        "Note generation",
        "Draft a clinical note from a template and the transcript.",
    ),
    (
        "custom_templates",
        "Custom templates",
        "Write personal note templates.",
    ),
    (
        "note_export",
        "Note export",
        "Export signed notes as text, Markdown or FHIR.",
    ),
]


def seed(apps, schema_editor):
    Feature = apps.get_model("institutions", "Feature")
    for code, name, description in FEATURES:
        Feature.objects.get_or_create(
            code=code, defaults={"name": name, "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [("institutions", "0002_people_invitations_features")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
