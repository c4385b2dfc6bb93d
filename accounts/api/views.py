"""`me`: who the caller is (`me/permissions` is the institutions app's: it asks
the one feature rule)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from accounts.api.selectors import me_get
from noumaris.common.api import Api


class InstitutionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()


class ResidentRefSerializer(serializers.Serializer):
    pgy_level = serializers.IntegerField()
    specialty = serializers.CharField()
    status = serializers.CharField()


class MeApi(Api):
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        email = serializers.EmailField()
        first_name = serializers.CharField()
        last_name = serializers.CharField()
        is_superadmin = serializers.BooleanField()
        roles = serializers.ListField(
            child=serializers.ChoiceField(
                choices=[
                    "superadmin",
                    "senior_admin",
                    "admin",
                    "faculty",
                    "resident",
                    "physician",
                ]
            )
        )
        institution = InstitutionRefSerializer(allow_null=True)
        resident = ResidentRefSerializer(
            allow_null=True, help_text="PGY, specialty and status, for a resident."
        )

    @extend_schema(operation_id="me_get", responses=OutputSerializer)
    def get(self, request):
        user = me_get(user=request.user)
        return self.output(self.OutputSerializer, _me(user))


def _me(user) -> dict:
    roles, institution, resident = [], None, None
    if user.is_superadmin:
        roles.append("superadmin")
    for attr, role in (
        ("institution_admin", "admin"),
        ("faculty_profile", "faculty"),
        ("resident_profile", "resident"),
        ("physician_profile", "physician"),
    ):
        row = getattr(user, attr, None)
        if row is None:
            continue
        if role == "admin" and row.is_senior:
            role = "senior_admin"
        roles.append(role)
        institution = getattr(row, "institution", None) or institution
        if role == "resident":
            resident = {
                "pgy_level": row.pgy_level,
                "specialty": row.specialty,
                "status": row.status,
            }
    return {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_superadmin": user.is_superadmin,
        "roles": roles,
        "institution": institution,
        "resident": resident,
    }
