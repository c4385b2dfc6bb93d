"""Tenants and the people in them: institutions, admins, residents, faculty,
physicians, invitations, features and feature grants.

Rows that matter are never hard-deleted by the application: residents change status,
invitations are revoked, grants keep who revoked them and when.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from noumaris.common.models import TimestampedModel

PGY_MIN = 1
PGY_MAX = 10
PGY_VALIDATORS = [MinValueValidator(PGY_MIN), MaxValueValidator(PGY_MAX)]


class Institution(TimestampedModel):
    """A hospital or residency program: a tenant."""

    class SubscriptionStatus(models.TextChoices):
        TRIAL = "trial", "Trial"
        ACTIVE = "active", "Active"
        PAST_DUE = "past_due", "Past due"
        SUSPENDED = "suspended", "Suspended"
        CANCELLED = "cancelled", "Cancelled"

    # Statuses under which residents may use the features granted to them.
    USABLE_STATUSES = frozenset({SubscriptionStatus.TRIAL, SubscriptionStatus.ACTIVE})

    name = models.CharField(
        max_length=200, help_text="Unique, whatever the capitalisation."
    )
    slug = models.SlugField(max_length=200, unique=True)
    contact_email = models.EmailField(
        blank=True, help_text="Who Noumaris writes to about the subscription."
    )
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        help_text="An IANA time zone, e.g. America/New_York; monthly usage follows it.",
    )
    subscription_status = models.CharField(
        max_length=16,
        choices=SubscriptionStatus.choices,
        default=SubscriptionStatus.TRIAL,
        db_index=True,
        help_text="Residents can use their features only while trial or active.",
    )
    max_residents = models.PositiveIntegerField(
        "resident seats",
        default=50,
        help_text="Active residents plus pending resident invitations never exceed this.",
    )
    max_admins = models.PositiveIntegerField(
        "admin seats", default=5, help_text="How many program administrators."
    )
    recording_retention_days = models.PositiveSmallIntegerField(
        "keep uploaded recordings (days)",
        default=0,
        validators=[MaxValueValidator(365)],
        help_text="0 (the default): an uploaded recording is deleted once "
        "transcribed. Otherwise it is kept, encrypted, for this many days (at most "
        "365), then deleted.",
    )
    vocabulary = models.TextField(
        "clinical vocabulary",
        blank=True,
        help_text="Drug, condition and procedure names your clinicians say, one per "
        "line (up to 100): the speech service listens for them (Deepgram keyterms).",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="institution_name_ci_unique"),
        ]

    def __str__(self):
        return self.name

    @property
    def subscription_usable(self) -> bool:
        return self.subscription_status in self.USABLE_STATUSES


class InstitutionAdmin(TimestampedModel):
    """A program administrator; senior admins may create other admins."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="institution_admin",
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="admins"
    )
    is_senior = models.BooleanField(
        "senior admin",
        default=False,
        help_text="Senior admins can add other admins to the institution.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["institution", "-is_senior", "user__username"]
        verbose_name = "institution admin"
        indexes = [models.Index(fields=["institution", "is_senior"])]

    def __str__(self):
        return f"{self.user} ({'senior admin' if self.is_senior else 'admin'})"


class ResidentProfile(TimestampedModel):
    """A resident in a program; never deleted, only deactivated or graduated."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        GRADUATED = "graduated", "Graduated"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="resident_profile",
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="residents"
    )
    pgy_level = models.PositiveSmallIntegerField(
        "PGY",
        validators=PGY_VALIDATORS,
        help_text="Post-graduate year, 1 to 10.",
    )
    specialty = models.CharField(max_length=120, blank=True)
    status = models.CharField(
        max_length=16,
        choices=Status.choices,
        default=Status.ACTIVE,
        help_text="Inactive and graduated residents keep their records but lose access.",
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["institution", "user__last_name", "user__first_name"]
        verbose_name = "resident"
        constraints = [
            models.CheckConstraint(
                condition=Q(pgy_level__gte=PGY_MIN) & Q(pgy_level__lte=PGY_MAX),
                name="resident_pgy_1_to_10",
            ),
        ]
        indexes = [
            models.Index(fields=["institution", "status"], name="resident_inst_status"),
            models.Index(fields=["institution", "pgy_level"], name="resident_inst_pgy"),
        ]

    def __str__(self):
        return f"{self.user} (PGY-{self.pgy_level})"


class FacultyProfile(TimestampedModel):
    """An attending who supervises and co-signs residents' notes."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="faculty_profile",
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="faculty"
    )
    specialty = models.CharField(max_length=120, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["institution", "user__last_name", "user__first_name"]
        verbose_name = "faculty member"
        verbose_name_plural = "faculty"
        indexes = [models.Index(fields=["institution", "is_active"])]

    def __str__(self):
        return str(self.user)


class PhysicianProfile(TimestampedModel):
    """An individual physician with direct access, outside any institution."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="physician_profile",
    )
    specialty = models.CharField(max_length=120, blank=True)
    organization = models.CharField(
        max_length=200, blank=True, help_text="Practice or clinic, for reference."
    )

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        verbose_name = "physician"

    def __str__(self):
        return str(self.user)


class Invitation(TimestampedModel):
    """An e-mailed, single-use invitation to join an institution in a role.

    Only the SHA-256 of the token is stored; the link carries the token itself.
    """

    class Role(models.TextChoices):
        RESIDENT = "resident", "Resident"
        ADMIN = "admin", "Admin"
        FACULTY = "faculty", "Faculty"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(help_text="Stored in lower case.")
    role = models.CharField(max_length=16, choices=Role.choices)
    pgy_level = models.PositiveSmallIntegerField(
        "PGY", null=True, blank=True, validators=PGY_VALIDATORS
    )
    specialty = models.CharField(max_length=120, blank=True)
    is_senior = models.BooleanField(
        default=False, help_text="For admin invitations: a senior admin."
    )
    feature_codes = models.JSONField(
        default=list,
        blank=True,
        help_text="For resident invitations: the features granted on acceptance.",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING
    )
    expires_at = models.DateTimeField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    sent_count = models.PositiveSmallIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role="resident", pgy_level__gte=PGY_MIN, pgy_level__lte=PGY_MAX)
                    | (~Q(role="resident") & Q(pgy_level__isnull=True))
                ),
                name="invitation_pgy_for_residents_only",
            ),
            models.UniqueConstraint(
                "institution",
                Lower("email"),
                condition=Q(status="pending"),
                name="invitation_one_pending_per_email",
            ),
        ]
        indexes = [
            models.Index(
                fields=["institution", "email", "status"],
                name="ix_institution_email_status",
            ),
            models.Index(
                fields=["institution", "status", "-created_at"],
                name="invitation_inst_status_time",
            ),
        ]

    def __str__(self):
        return f"{self.email} ({self.get_role_display()})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def effective_status(self) -> str:
        """The stored status, with a pending invitation past its expiry as expired."""
        if self.status == self.Status.PENDING and self.is_expired:
            return self.Status.EXPIRED
        return self.status

    def get_effective_status_display(self) -> str:
        return self.Status(self.effective_status).label


class Feature(models.Model):
    """A capability that can be sold to an institution and granted to people."""

    class Code(models.TextChoices):
        """The features the product knows (seeded by `seed_features`)."""

        LIVE_TRANSCRIPTION = "live_transcription", "Live transcription"
        NOTE_GENERATION = "note_generation", "Note generation"
        CUSTOM_TEMPLATES = "custom_templates", "Custom templates"
        NOTE_EXPORT = "note_export", "Note export"

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(
        default=True, help_text="Switch a feature off everywhere."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class InstitutionFeature(TimestampedModel):
    """A feature an institution has (its subscription includes it)."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="institution_features"
    )
    feature = models.ForeignKey(
        Feature, on_delete=models.CASCADE, related_name="institution_features"
    )
    is_enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["institution", "feature__name"]
        verbose_name = "institution feature"
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "feature"], name="institution_feature_unique"
            ),
        ]

    def __str__(self):
        return f"{self.feature} at {self.institution}"


class FeatureGrant(TimestampedModel):
    """A feature granted to a resident (of `institution`) or to a physician.

    Revoking keeps the row with who revoked it and when; a new grant is a new row.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="feature_grants",
    )
    feature = models.ForeignKey(
        Feature, on_delete=models.CASCADE, related_name="grants"
    )
    institution = models.ForeignKey(
        Institution,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="feature_grants",
        help_text="The resident's institution; empty for a physician's direct grant.",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "feature grant"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "feature"],
                condition=Q(revoked_at__isnull=True),
                name="feature_grant_one_active",
            ),
        ]
        indexes = [
            models.Index(
                fields=["institution", "feature", "revoked_at"],
                name="grant_inst_feature",
            ),
        ]

    def __str__(self):
        return f"{self.feature} for {self.user}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class SupervisionPolicy(TimestampedModel):
    """How an institution supervises its residents (DESIGN 'Supervision').

    Read by the one permission rule (`institutions.services.permissions`) and by the
    supervision services; an institution without a row has the defaults below.
    """

    institution = models.OneToOneField(
        Institution, on_delete=models.CASCADE, related_name="supervision_policy"
    )
    ai_drafting_min_pgy = models.PositiveSmallIntegerField(
        "AI drafting from PGY",
        default=PGY_MIN,
        validators=PGY_VALIDATORS,
        help_text="Residents below this post-graduate year may not have notes "
        "drafted by the machine (1 = every resident).",
    )
    plan_first = models.BooleanField(
        "resident writes the assessment and plan first",
        default=False,
        help_text="The machine's assessment and plan stay hidden until the resident "
        "has saved their own; then both are shown side by side.",
    )
    cosign_deadline_hours = models.PositiveSmallIntegerField(
        "co-sign deadline (hours)",
        default=24,
        help_text="A signed note not co-signed this many hours after signing is "
        "overdue; its attending gets at most one reminder a day.",
    )
    pgy1_cosign_before_export = models.BooleanField(
        "PGY-1 notes need co-signature before export",
        default=False,
        help_text="A PGY-1 resident's note can be exported or printed only once "
        "the attending has co-signed it.",
    )
    patient_instructions_review = models.BooleanField(
        "patient instructions need an attending's review",
        default=False,
        help_text="Patient instructions are for the patient, not the chart: off, "
        "the resident signs them alone; on, the attending co-signs them like a note.",
    )

    class Meta:
        verbose_name = "supervision policy"
        verbose_name_plural = "supervision policies"

    def __str__(self):
        return f"Supervision policy of {self.institution}"
