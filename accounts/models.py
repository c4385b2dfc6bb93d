from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class NoumarisUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        """`createsuperuser` makes a Noumaris superadmin."""
        extra_fields.setdefault("is_superadmin", True)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in: superadmin, admin, faculty, resident or physician."""

    is_superadmin = models.BooleanField(
        default=False,
        help_text="Manages every institution. Synced from the identity provider's "
        "'superadmin' realm role at each sign-in.",
    )
    oidc_sub = models.CharField(
        "identity provider subject",
        max_length=255,
        unique=True,
        null=True,
        blank=True,
        help_text="The OpenID provider's stable id for this person, stored on first link.",
    )

    objects = NoumarisUserManager()

    class Meta:
        ordering = ["username"]
        indexes = [
            # The people lists' order (residents, faculty, admins: by last name, then
            # first): a page of the whole list reads it from the index, not a sort of
            # every person.
            models.Index(fields=["last_name", "first_name"], name="user_name_order"),
        ]

    def __str__(self):
        return self.get_full_name() or self.username


class AuditLog(models.Model):
    """An append-only, hash-chained record of who did what, where and when.

    Rows are written by `accounts.services.audit_record` inside the transaction of
    the action they record; on PostgreSQL a trigger refuses UPDATE and DELETE.
    """

    class Action(models.TextChoices):
        """What a row records, with its words for people (the admin shows those)."""

        INSTITUTION_CREATED = "INSTITUTION_CREATED", "Institution created"
        INSTITUTION_UPDATED = "INSTITUTION_UPDATED", "Institution updated"
        INSTITUTION_FEATURES_CHANGED = (
            "INSTITUTION_FEATURES_CHANGED",
            "Institution's features changed",
        )
        INSTITUTION_RECORDINGS_CHANGED = (
            "INSTITUTION_RECORDINGS_CHANGED",
            "Institution's recording settings changed",
        )
        SUBSCRIPTION_CHANGED = "SUBSCRIPTION_CHANGED", "Subscription changed"
        SUPERVISION_POLICY_CHANGED = (
            "SUPERVISION_POLICY_CHANGED",
            "Supervision policy changed",
        )
        PHYSICIAN_CREATED = "PHYSICIAN_CREATED", "Physician added"
        FEATURE_GRANTED = "FEATURE_GRANTED", "Feature granted"
        FEATURE_REVOKED = "FEATURE_REVOKED", "Feature revoked"
        RESIDENT_INVITED = "RESIDENT_INVITED", "Resident invited"
        FACULTY_INVITED = "FACULTY_INVITED", "Attending invited"
        ADMIN_INVITED = "ADMIN_INVITED", "Administrator invited"
        INVITATION_RESENT = "INVITATION_RESENT", "Invitation resent"
        INVITATION_REVOKED = "INVITATION_REVOKED", "Invitation withdrawn"
        INVITATION_ACCEPTED = "INVITATION_ACCEPTED", "Invitation accepted"
        RESIDENT_UPDATED = "RESIDENT_UPDATED", "Resident updated"
        RESIDENT_DEACTIVATED = "RESIDENT_DEACTIVATED", "Resident deactivated"
        RESIDENT_GRADUATED = "RESIDENT_GRADUATED", "Resident graduated"
        RESIDENT_REACTIVATED = "RESIDENT_REACTIVATED", "Resident reactivated"
        SUPERADMIN_GRANTED = "SUPERADMIN_GRANTED", "Superadmin role given"
        SUPERADMIN_REVOKED = "SUPERADMIN_REVOKED", "Superadmin role taken away"
        IDENTITY_LINKED = "IDENTITY_LINKED", "Sign-in identity linked"
        SIGN_IN_LOCKED_OUT = (
            "SIGN_IN_LOCKED_OUT",
            "Sign-in locked after failed attempts",
        )
        SIGN_IN_UNLOCKED = "SIGN_IN_UNLOCKED", "Sign-in unlocked"
        TRANSCRIPTION_STARTED = "TRANSCRIPTION_STARTED", "Recording started"
        TRANSCRIPTION_STOPPED = "TRANSCRIPTION_STOPPED", "Recording stopped"
        TRANSCRIPT_IMPORTED = "TRANSCRIPT_IMPORTED", "Transcript imported"
        TRANSCRIPT_VIEWED = "TRANSCRIPT_VIEWED", "Transcript viewed"
        TRANSCRIPT_CORRECTED = "TRANSCRIPT_CORRECTED", "Transcript corrected"
        SPEAKERS_NAMED = "SPEAKERS_NAMED", "Speakers named"
        SEGMENT_ROLE_CHANGED = "SEGMENT_ROLE_CHANGED", "Segment's speaker changed"
        RECORDING_UPLOADED = "RECORDING_UPLOADED", "Recording uploaded"
        RECORDING_TRANSCRIBED = "RECORDING_TRANSCRIBED", "Recording transcribed"
        RECORDING_FAILED = "RECORDING_FAILED", "Recording could not be transcribed"
        RECORDING_AUDIO_PLAYED = "RECORDING_AUDIO_PLAYED", "Recording played back"
        RECORDING_AUDIO_DELETED = "RECORDING_AUDIO_DELETED", "Kept recording deleted"
        NOTE_VIEWED = "NOTE_VIEWED", "Note viewed"
        NOTE_FLAGS_RESOLVED = "NOTE_FLAGS_RESOLVED", "Note's flags resolved by an edit"
        NOTE_FLAG_CONFIRMED = "NOTE_FLAG_CONFIRMED", "Flagged statement confirmed"
        NOTE_SIGNED = "NOTE_SIGNED", "Note signed"
        NOTE_COSIGNED = "NOTE_COSIGNED", "Note co-signed"
        NOTE_RETURNED = "NOTE_RETURNED", "Note returned to the resident"
        NOTE_EXPORTED = "NOTE_EXPORTED", "Note exported"
        API_TOKEN_ISSUED = "API_TOKEN_ISSUED", "API token issued"
        API_TOKEN_REVOKED = "API_TOKEN_REVOKED", "API token revoked"

    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    institution = models.ForeignKey(
        "institutions.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["institution", "-created_at"], name="audit_institution_time"
            ),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_time"),
        ]

    def __str__(self):
        return f"{self.action} by {self.actor_username or 'system'} at {self.created_at:%Y-%m-%d %H:%M}"
