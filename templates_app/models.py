import json

from django.conf import settings
from django.db import models
from django.db.models import Q

from noumaris.fields import EncryptedTextField
from noumaris.models import TimestampedModel


class Tag(models.Model):
    """A label for finding templates: a specialty, a setting or a kind of note."""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class NoteTemplate(TimestampedModel):
    """How a note is drafted: its ordered sections and the instructions for each."""

    class Scope(models.TextChoices):
        GLOBAL = "global", "Everyone"
        INSTITUTION = "institution", "Institution"
        PERSONAL = "personal", "Personal"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140)
    description = models.CharField(max_length=300, blank=True)
    specialty = models.CharField(max_length=60, blank=True, db_index=True)
    instructions = models.TextField(
        blank=True,
        help_text="How the whole note should read: audience, tone, what to leave out.",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="templates")
    scope = models.CharField(
        max_length=12, choices=Scope.choices, default=Scope.PERSONAL
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="note_templates",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="note_templates",
    )
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                name="template_scope_owner",
                condition=(
                    Q(scope="global", institution__isnull=True, owner__isnull=True)
                    | Q(scope="institution", institution__isnull=False)
                    | Q(scope="personal", owner__isnull=False)
                ),
            ),
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(scope="global"),
                name="template_global_slug_unique",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return f"/templates/{self.pk}/"


class TemplateSection(models.Model):
    """One section of a template, in order."""

    template = models.ForeignKey(
        NoteTemplate, on_delete=models.CASCADE, related_name="sections"
    )
    position = models.PositiveSmallIntegerField(default=0)
    key = models.SlugField(max_length=40)
    title = models.CharField(max_length=80)
    instructions = models.TextField(blank=True)

    class Meta:
        ordering = ["template", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "key"], name="template_section_key_unique"
            ),
        ]

    def __str__(self):
        return self.title


class ClinicalNote(TimestampedModel):
    """A note drafted from one encounter: its sections are PHI, encrypted at rest."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed, awaiting co-signature"
        COSIGNED = "cosigned", "Co-signed"

    class Generation(models.TextChoices):
        IDLE = "idle", "Not generated"
        GENERATING = "generating", "Generating"
        COMPLETE = "complete", "Complete"
        INTERRUPTED = "interrupted", "Interrupted"

    session = models.ForeignKey(
        "transcription.TranscriptionSession",
        on_delete=models.PROTECT,
        related_name="notes",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notes"
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notes",
    )
    template = models.ForeignKey(
        NoteTemplate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notes",
    )
    template_snapshot = models.JSONField(
        default=dict,
        help_text="The template (name, version, instructions, sections) as it was "
        "when the note was made. Holds no PHI.",
    )
    content = EncryptedTextField(
        default="{}", help_text="The sections' text as JSON {key: text}."
    )
    machine_content = EncryptedTextField(
        default="{}", help_text="The sections as the engine drafted them."
    )
    engine = models.CharField(max_length=20, blank=True)
    model = models.CharField(max_length=80, blank=True)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    generation = models.CharField(
        max_length=12, choices=Generation.choices, default=Generation.IDLE
    )
    generation_started_at = models.DateTimeField(null=True, blank=True)
    generation_error = models.CharField(
        max_length=300, blank=True, help_text="A safe message; never note text."
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_notes",
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    cosigned_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    return_comment = EncryptedTextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["author", "-created_at"], name="note_author_time"),
            models.Index(
                fields=["supervisor", "status"], name="note_supervisor_status"
            ),
            models.Index(fields=["institution", "created_at"], name="note_inst_time"),
        ]

    def __str__(self):
        return f"{self.title} (note {self.pk})"

    def get_absolute_url(self):
        return f"/notes/{self.pk}"

    @property
    def title(self) -> str:
        return self.template_snapshot.get("name", "Note")

    @property
    def section_specs(self) -> list[dict]:
        return self.template_snapshot.get("sections", [])

    @property
    def sections(self) -> dict[str, str]:
        return json.loads(self.content or "{}")

    @property
    def machine_sections(self) -> dict[str, str]:
        return json.loads(self.machine_content or "{}")

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class NoteRevision(models.Model):
    """Every change to a note's text: who, when, which section, and the text after."""

    class Kind(models.TextChoices):
        GENERATED = "generated", "Drafted by the engine"
        REGENERATED = "regenerated", "Section redrafted by the engine"
        EDITED = "edited", "Edited"
        INTERRUPTED = "interrupted", "Partial draft (generation interrupted)"

    note = models.ForeignKey(
        ClinicalNote, on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    section_key = models.CharField(max_length=40, blank=True)
    content = EncryptedTextField(help_text="All sections after the change, as JSON.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["note", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["note", "number"], name="note_revision_number_unique"
            ),
        ]

    def __str__(self):
        return f"Revision {self.number} of note {self.note_id}"

    @property
    def sections(self) -> dict[str, str]:
        return json.loads(self.content or "{}")


class StatementFlag(models.Model):
    """A statement of a draft that its cited segments do not carry (see
    generation/verify.py); signing waits until each one is resolved."""

    class Kind(models.TextChoices):
        UNCITED = "uncited", "No citation"
        MISSING_SEGMENT = "missing_segment", "Cites a missing segment"
        NUMBER = "number", "Number not in the transcript"
        DRUG = "drug", "Drug not in the transcript"
        LATERALITY = "laterality", "Side not in the transcript"
        NEGATION = "negation", "Negation differs from the transcript"
        WEAK_SUPPORT = "weak_support", "Weakly supported"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CONFIRMED = "confirmed", "Confirmed as checked"
        EDITED = "edited", "Resolved by an edit"

    note = models.ForeignKey(
        ClinicalNote, on_delete=models.CASCADE, related_name="flags"
    )
    section_key = models.CharField(max_length=40)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="The statement's place in its section."
    )
    statement = EncryptedTextField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    message = EncryptedTextField(help_text="May quote a dose or a drug: PHI.")
    seqs = models.JSONField(default=list, help_text="The segment numbers it cites.")
    cited_words = EncryptedTextField(blank=True, default="")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_revision = models.PositiveIntegerField(
        null=True, blank=True, help_text="The revision whose edit resolved it."
    )

    class Meta:
        ordering = ["note", "id"]
        indexes = [
            models.Index(fields=["note", "status"], name="flag_note_status"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} in note {self.note_id}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
