"""Output serializers shared by the institutions API views (plain, read-only)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from institutions.models import Institution, Invitation, ResidentProfile


def granted_codes(user) -> list[str]:
    """Codes of the user's unrevoked grants (prefetched as `active_grants`)."""
    grants = getattr(user, "active_grants", None)
    if grants is None:
        grants = user.feature_grants.filter(revoked_at__isnull=True).select_related(
            "feature"
        )
    return sorted(grant.feature.code for grant in grants)


class InstitutionUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()


class InstitutionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    contact_email = serializers.CharField()
    timezone = serializers.CharField()
    subscription_status = serializers.ChoiceField(
        choices=Institution.SubscriptionStatus.choices
    )
    max_residents = serializers.IntegerField()
    max_admins = serializers.IntegerField()
    features = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_features(self, institution) -> list[str]:
        """The codes of the features the institution has (prefetched `enabled`)."""
        rows = getattr(institution, "enabled_features", None)
        if rows is None:
            rows = institution.institution_features.filter(
                is_enabled=True
            ).select_related("feature")
        return sorted(row.feature.code for row in rows)


class CodeListField(serializers.ListField):
    """Feature codes the query joined with commas (codes are slugs), as a sorted
    list."""

    child = serializers.CharField()

    def to_representation(self, data) -> list[str]:
        return sorted(data.split(",")) if data else []


@extend_schema_field(InstitutionUserSerializer)
class ResidentAccountSerializer(serializers.Serializer):
    """`InstitutionUserSerializer`'s object, read from a resident's `values()` row
    (its `user__...` columns)."""

    id = serializers.IntegerField(source="user_id")
    username = serializers.CharField(source="user__username")
    email = serializers.EmailField(source="user__email")
    first_name = serializers.CharField(source="user__first_name")
    last_name = serializers.CharField(source="user__last_name")


# The API writes times in the default time zone (TIME_ZONE; no view activates
# another). Naming it spares DRF's lookup of the active one for every value written
# (`timezone.get_current_timezone()`, through asgiref's context-local): two a row.
DEFAULT_TIMEZONE = timezone.get_default_timezone()


class ResidentSerializer(serializers.Serializer):
    """A resident as the selectors' `resident_list` and `resident_detail` shape it:
    `values()` rows, their user's columns flat beside theirs."""

    id = serializers.IntegerField()
    user = ResidentAccountSerializer(source="*")
    institution_id = serializers.IntegerField()
    pgy_level = serializers.IntegerField()
    specialty = serializers.CharField()
    status = serializers.ChoiceField(choices=ResidentProfile.Status.choices)
    status_changed_at = serializers.DateTimeField(
        allow_null=True, default_timezone=DEFAULT_TIMEZONE
    )
    features = CodeListField(
        source="granted_codes",
        help_text="Codes of the features granted to the resident and not revoked.",
    )
    created_at = serializers.DateTimeField(default_timezone=DEFAULT_TIMEZONE)


class InvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    institution_id = serializers.IntegerField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Invitation.Role.choices)
    pgy_level = serializers.IntegerField(allow_null=True)
    specialty = serializers.CharField()
    is_senior = serializers.BooleanField()
    features = serializers.ListField(
        child=serializers.CharField(),
        source="feature_codes",
        help_text="Residents: the features granted on acceptance.",
    )
    status = serializers.ChoiceField(
        choices=Invitation.Status.choices,
        source="effective_status",
        help_text="A pending invitation past its expiry reads `expired`.",
    )
    expires_at = serializers.DateTimeField()
    invited_by = serializers.CharField(
        source="invited_by.username", allow_null=True, default=None
    )
    sent_count = serializers.IntegerField()
    last_sent_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class AdminSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = InstitutionUserSerializer()
    institution_id = serializers.IntegerField()
    is_senior = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class AuditEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    actor_id = serializers.IntegerField(allow_null=True)
    actor_username = serializers.CharField()
    action = serializers.CharField()
    target_type = serializers.CharField()
    target_id = serializers.CharField()
    institution_id = serializers.IntegerField(allow_null=True)
    ip_address = serializers.CharField(allow_null=True)
    details = serializers.JSONField()


class GrantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    feature = serializers.CharField(source="feature.code")
    granted_by = serializers.CharField(
        source="granted_by.username", allow_null=True, default=None
    )
    created_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
