"""`me/permissions`: which features the caller may use now, by the one rule."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from institutions.services.permissions import check_features
from noumaris.common.api import Api


class MePermissionsApi(Api):
    class FeatureAccessSerializer(serializers.Serializer):
        code = serializers.CharField()
        name = serializers.CharField()
        allowed = serializers.BooleanField()
        reason = serializers.CharField(help_text="Why not, when not allowed.")

    @extend_schema(
        operation_id="me_permissions",
        responses=FeatureAccessSerializer(many=True),
        description="Every feature of the catalogue, and whether the caller may use "
        "it now, with the reason when not (the same rule as every other interface).",
    )
    def get(self, request):
        access = [
            {
                "code": feature.code,
                "name": feature.name,
                "allowed": result.allowed,
                "reason": result.reason,
            }
            for feature, result in check_features(request.user)
        ]
        return self.output(self.FeatureAccessSerializer, access, many=True)
