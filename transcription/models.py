from django.conf import settings
from django.db import models
from django.utils import timezone

from noumaris.common.fields import EncryptedTextField
from noumaris.common.models import TimestampedModel
from noumaris.common.when import when


class SpeakerRole(models.TextChoices):
    CLINICIAN = "clinician", "Clinician"
    PATIENT = "patient", "Patient"
    FAMILY = "family", "Family member"
    INTERPRETER = "interpreter", "Interpreter"
    OTHER = "other", "Other"


class TranscriptionSession(TimestampedModel):
    """One recorded encounter: who recorded it, with which engine, and its state."""

    class Status(models.TextChoices):
        RECORDING = "recording", "Recording"
        PAUSED = "paused", "Paused"
        STOPPED = "stopped", "Stopped"
        FAILED = "failed", "Failed"
        TRANSCRIBING = "transcribing", "Transcribing"  # an uploaded recording

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="transcription_sessions",
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transcription_sessions",
        help_text="The owner's institution when recorded; empty for physicians.",
    )
    label = models.CharField(
        "encounter label",
        max_length=120,
        blank=True,
        help_text="A short reminder such as 'Bed 4, chest pain'. No patient identifiers.",
    )
    engine = models.CharField(max_length=20)
    language = models.CharField(max_length=16, default="en")
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.RECORDING
    )
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    audio_seconds = models.FloatField(default=0)
    consent_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    consent_confirmed_at = models.DateTimeField()
    progress = models.PositiveSmallIntegerField(
        default=0, help_text="Percent of an uploaded recording transcribed so far."
    )
    # An uploaded recording kept under the institution's retention (encrypted with
    # FIELD_ENCRYPTION_KEYS, like the text); "" once deleted or never kept.
    retained_audio = models.CharField(max_length=300, blank=True, default="")
    retained_until = models.DateTimeField(null=True, blank=True)
    speaker_roles = models.JSONField(
        default=dict,
        blank=True,
        help_text="The role the clinician gave each speaker: {'0': 'patient', ...}.",
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-started_at"], name="tsession_owner_time"),
            models.Index(
                fields=["institution", "started_at"], name="tsession_inst_time"
            ),
        ]

    def __str__(self):
        started = when(self.started_at)
        return f"Encounter {self.pk} ({self.label or 'unlabelled'}, {started})"

    def get_absolute_url(self):
        return f"/encounters/{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.RECORDING, self.Status.PAUSED}


class TranscriptSegment(models.Model):
    """A final piece of transcript, numbered in order within its session."""

    session = models.ForeignKey(
        TranscriptionSession, on_delete=models.CASCADE, related_name="segments"
    )
    seq = models.PositiveIntegerField()
    speaker = models.PositiveSmallIntegerField(null=True, blank=True)
    start_ms = models.PositiveIntegerField(default=0)
    end_ms = models.PositiveIntegerField(default=0)
    text = EncryptedTextField()
    confidence = models.FloatField(null=True, blank=True)
    heard_text = EncryptedTextField(
        blank=True,
        default="",
        help_text="What the engine wrote, when the text shown was rewritten from it "
        "(a corrected drug name, a dose written as a number); empty otherwise.",
    )
    words = EncryptedTextField(
        blank=True,
        default="",
        help_text="The words shown, each with its times, probability and what was "
        "heard when rewritten, as compact JSON (transcription.engines.words).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "seq"], name="tsegment_session_seq_unique"
            ),
        ]

    def __str__(self):
        return f"S{self.seq} of encounter {self.session_id}"

    @property
    def is_timed(self) -> bool:
        """Whether the segment knows where it is in the audio (an imported text
        transcript's lines do not: they show no time, never a false "0:00")."""
        return self.end_ms > 0


class TranscriptSegmentRevision(models.Model):
    """A version of a segment's text: number 0 is what the engine heard (kept when
    the clinician first corrects it), each later number one correction."""

    segment = models.ForeignKey(
        TranscriptSegment, on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField()
    text = EncryptedTextField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for the engine's original text.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["segment", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "number"], name="tsegrev_segment_number_unique"
            ),
        ]

    def __str__(self):
        return f"Revision {self.number} of segment {self.segment_id}"


class TranscriptionTicket(models.Model):
    """A single-use, short-lived credential for an integrator's WebSocket; only
    its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Ticket {self.pk} for user {self.user_id}"
