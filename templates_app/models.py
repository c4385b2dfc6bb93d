import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from noumaris.common.fields import EncryptedTextField
from noumaris.common.models import TimestampedModel


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

    class Audience(models.TextChoices):
        CHART = "chart", "The medical record (co-signed by an attending)"
        PATIENT = "patient", "The patient (reviewed as the program's policy asks)"

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
    audience = models.CharField(
        "written for",
        max_length=8,
        choices=Audience.choices,
        default=Audience.CHART,
        help_text="A chart note is co-signed by the attending; patient instructions "
        "are co-signed only when the supervision policy asks for review.",
    )

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
    attestation = models.TextField(
        blank=True,
        default="",
        help_text="The attestation statement the attending chose when co-signing, "
        "as it read then.",
    )
    attestation_addendum = EncryptedTextField(blank=True, default="")

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


class DraftJob(TimestampedModel):
    """One drafting of a note by a task worker, followed by any page through its
    events; at most one queued or running per note."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Drafting"
        COMPLETE = "complete", "Complete"
        INTERRUPTED = "interrupted", "Stopped; what was drafted is kept"
        CANCELLED = "cancelled", "Cancelled; what was drafted is kept"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    note = models.ForeignKey(
        ClinicalNote, on_delete=models.CASCADE, related_name="draft_jobs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    section = models.CharField(max_length=40, blank=True)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    task_id = models.CharField(max_length=64, blank=True)
    worker_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True, db_index=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    last_seq = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["note"],
                condition=Q(status__in=["queued", "running"]),
                name="draft_job_one_active_per_note",
            ),
        ]
        indexes = [models.Index(fields=["status"], name="draft_job_status")]

    def __str__(self):
        return f"Draft job {self.pk} of note {self.note_id}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class DraftEvent(models.Model):
    """One server-sent event of a draft job, numbered from 1 (`Last-Event-ID`)."""

    job = models.ForeignKey(DraftJob, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=16)
    data = EncryptedTextField(help_text="The event's JSON; holds note text.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["job", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["job", "seq"], name="draft_event_seq"),
        ]

    def __str__(self):
        return f"Event {self.seq} of draft job {self.job_id}"


class AttestationStatement(TimestampedModel):
    """One statement of an institution's list, chosen by the attending at co-sign."""

    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.CASCADE,
        related_name="attestation_statements",
    )
    label = models.CharField(max_length=80, help_text="A short name for the menu.")
    text = models.TextField(help_text="The statement, as the signed note carries it.")
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["institution", "position", "id"]
        indexes = [
            models.Index(
                fields=["institution", "is_active", "position"],
                name="attestation_inst_active",
            )
        ]

    def __str__(self):
        return self.label


class NoteFeedback(models.Model):
    """An attending's rating and comment on a note, given on co-sign or return."""

    class Kind(models.TextChoices):
        COSIGN = "cosign", "On co-signature"
        RETURN = "return", "On return"

    note = models.ForeignKey(
        ClinicalNote, on_delete=models.CASCADE, related_name="feedback"
    )
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.CASCADE, related_name="+"
    )
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    scores = models.JSONField(
        default=dict, blank=True, help_text="{rubric item: 1-5}; items left out."
    )
    comment = EncryptedTextField(blank=True, default="")
    section_key = models.CharField(
        max_length=40, blank=True, help_text="The section the comment is about."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["note", "created_at", "id"]
        indexes = [
            models.Index(fields=["resident", "created_at"], name="feedback_resident"),
            models.Index(fields=["institution", "created_at"], name="feedback_inst"),
        ]

    def __str__(self):
        return f"Feedback on note {self.note_id} ({self.get_kind_display()})"


class CosignReminder(models.Model):
    """One e-mail reminding an attending of overdue co-signatures; one per day."""

    attending = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    sent_on = models.DateField()
    overdue_count = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["attending", "sent_on"], name="cosign_reminder_one_a_day"
            )
        ]

    def __str__(self):
        return f"Reminder to {self.attending} on {self.sent_on}"


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
        PLACEMENT = "placement", "In a section its words do not support"
        DIAGNOSIS = "diagnosis", "Diagnosis not in the transcript"
        DOUBTFUL_WORD = "doubtful_word", "Heard with low confidence"
        SIDE_CONFLICT = "side_conflict", "Side differs within the note"

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
