"""The usage figures of an institution: its own admins at admin/institution/usage,
superadmins at admin/superadmin/institutions/<id>/usage."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from institutions.api.permissions import (
    IsInstitutionAdmin,
    IsSuperadmin,
    admin_institution,
)
from institutions.selectors import institution_get
from noumaris.common.api import Api
from usage.selectors import institution_usage


class MonthActivitySerializer(serializers.Serializer):
    month = serializers.DateField()
    transcription_minutes = serializers.FloatField()
    notes = serializers.IntegerField()


class UsageSerializer(serializers.Serializer):
    seats_used = serializers.IntegerField()
    seats_limit = serializers.IntegerField()
    seats_free = serializers.IntegerField()
    active_residents = serializers.IntegerField()
    pending_resident_invitations = serializers.IntegerField()
    admins = serializers.IntegerField()
    admins_limit = serializers.IntegerField()
    pending_invitations = serializers.IntegerField()
    residents_by_status = serializers.DictField(child=serializers.IntegerField())
    residents_by_pgy = serializers.DictField(child=serializers.IntegerField())
    transcription_minutes_this_month = serializers.FloatField()
    notes_this_month = serializers.IntegerField()
    months = MonthActivitySerializer(many=True)


class UsageApi(Api):
    permission_classes = [IsInstitutionAdmin]

    @extend_schema(operation_id="institution_usage", responses=UsageSerializer)
    def get(self, request):
        """Seats, admins, invitations, residents by status and PGY, monthly activity."""
        usage = institution_usage(institution=admin_institution(request))
        return self.output(UsageSerializer, usage)


class InstitutionUsageApi(Api):
    permission_classes = [IsSuperadmin]

    @extend_schema(
        operation_id="superadmin_institution_usage", responses=UsageSerializer
    )
    def get(self, request, pk):
        """Seats, admins, invitations, residents by status and PGY, monthly activity."""
        institution = institution_get(user=request.user, institution_id=pk)
        usage = institution_usage(institution=institution)
        return self.output(UsageSerializer, usage)
