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

    def __str__(self):
        return self.get_full_name() or self.username


class AuditLog(models.Model):
    """An append-only, hash-chained record of who did what, where and when.

    Rows are written by `accounts.services.audit_record` inside the transaction of
    the action they record; on PostgreSQL a trigger refuses UPDATE and DELETE.
    """

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
