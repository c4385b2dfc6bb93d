"""admin/institution/...: an institution admin runs their own program.

The institution is the signed-in admin's; another institution's resident or
invitation is a 404, exactly like a missing one.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser

from institutions import selectors
from institutions.api.permissions import IsInstitutionAdmin, admin_institution
from institutions.api.serializers import (
    AdminSerializer,
    AuditEntrySerializer,
    GrantSerializer,
    InvitationSerializer,
    ResidentSerializer,
)
from institutions.api.superadmin import (
    AdminInviteSerializer,
    AuditFilterSerializer,
    FeatureCodeSerializer,
)
from institutions.models import PGY_MAX, PGY_MIN, Invitation, ResidentProfile
from institutions.selectors import invitation_get, resident_get
from institutions.services.features import feature_grant, feature_revoke
from institutions.services.invitation_batch import (
    BATCH_MAX_BYTES,
    invitation_batch_invite,
)
from institutions.services.invitations import (
    invitation_create,
    invitation_resend,
    invitation_revoke,
    resident_invite,
)
from institutions.services.residents import resident_change
from noumaris.common.api import Api, ListApi
from noumaris.common.api_schema import errors
from noumaris.common.net import client_ip

STATUS = ResidentProfile.Status


class AdminApi(Api):
    permission_classes = [IsInstitutionAdmin]

    def resident(self, pk) -> ResidentProfile:
        return resident_get(user=self.request.user, resident_id=pk)


class AdminListApi(ListApi):
    permission_classes = [IsInstitutionAdmin]


# --- Residents --------------------------------------------------------------------


class ResidentListApi(AdminListApi):
    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=STATUS.choices, required=False)
        pgy_level = serializers.IntegerField(
            min_value=PGY_MIN, max_value=PGY_MAX, required=False
        )
        specialty = serializers.CharField(max_length=120, required=False)
        search = serializers.CharField(
            max_length=100,
            required=False,
            help_text="Part of the name, username or e-mail.",
        )

    @extend_schema(
        operation_id="institution_residents_list",
        parameters=[FilterSerializer],
        responses=ResidentSerializer(many=True),
    )
    def get(self, request):
        """The institution's residents, by last name."""
        filters = self.query(self.FilterSerializer)
        residents = selectors.resident_list(user=request.user, filters=filters)
        return self.paginate(residents, ResidentSerializer)


class ResidentDetailApi(AdminApi):
    class InputSerializer(serializers.Serializer):
        pgy_level = serializers.IntegerField(
            min_value=PGY_MIN, max_value=PGY_MAX, required=False
        )
        specialty = serializers.CharField(
            max_length=120, required=False, allow_blank=True
        )
        status = serializers.ChoiceField(
            choices=STATUS.choices,
            required=False,
            help_text="inactive deactivates, graduated graduates, active reactivates "
            "(if a seat is free).",
        )

    @extend_schema(
        operation_id="institution_residents_get", responses=ResidentSerializer
    )
    def get(self, request, pk):
        resident = selectors.resident_detail(resident=self.resident(pk))
        return self.output(ResidentSerializer, resident)

    @extend_schema(
        operation_id="institution_residents_update",
        request=InputSerializer,
        responses={200: ResidentSerializer, **errors(409)},
    )
    def patch(self, request, pk):
        """Change PGY, specialty or status (each change audited)."""
        data = self.input(self.InputSerializer, partial=True)
        resident = resident_change(
            actor=request.user,
            resident=self.resident(pk),
            ip_address=client_ip(request),
            **data,
        )
        return self.output(
            ResidentSerializer, selectors.resident_detail(resident=resident)
        )


class ResidentInviteApi(AdminApi):
    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        pgy_level = serializers.IntegerField(min_value=PGY_MIN, max_value=PGY_MAX)
        specialty = serializers.CharField(
            max_length=120, required=False, allow_blank=True
        )
        features = serializers.ListField(
            child=serializers.CharField(max_length=60),
            required=False,
            source="feature_codes",
            help_text="Feature codes granted on acceptance; default: every feature "
            "the institution has.",
        )

    @extend_schema(
        operation_id="institution_residents_invite",
        request=InputSerializer,
        responses={
            201: InvitationSerializer,
            **errors(409, example="No resident seat left at Demo General Hospital"),
        },
    )
    def post(self, request):
        """Invite a resident by e-mail (holds a seat until accepted; audited)."""
        data = self.input(self.InputSerializer)
        invitation = resident_invite(
            actor=request.user,
            institution=admin_institution(request),
            ip_address=client_ip(request),
            **data,
        )
        return self.output(InvitationSerializer, invitation, status=201)


class BatchRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="Line number in the file.")
    email = serializers.CharField()
    ok = serializers.BooleanField()
    error = serializers.CharField(help_text="Why this row was not invited.")
    invitation_id = serializers.IntegerField(
        source="invitation.id", allow_null=True, default=None
    )


class BatchResultSerializer(serializers.Serializer):
    invited = serializers.SerializerMethodField()
    failed = serializers.SerializerMethodField()
    rows = BatchRowSerializer(many=True)

    def get_invited(self, result) -> int:
        return len(result.invited)

    def get_failed(self, result) -> int:
        return len(result.failed)


class ResidentBatchInviteApi(AdminApi):
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(
            help_text="CSV, UTF-8: email, pgy, specialty (a header line is optional)."
        )

    @extend_schema(
        operation_id="institution_residents_invite_batch",
        request={"multipart/form-data": InputSerializer},
        responses=BatchResultSerializer,
    )
    def post(self, request):
        """Invite a resident per CSV row: good rows are invited, bad rows named."""
        upload = self.input(self.InputSerializer)["file"]
        result = invitation_batch_invite(
            actor=request.user,
            institution=admin_institution(request),
            csv_text=upload.read(BATCH_MAX_BYTES + 1),
            ip_address=client_ip(request),
        )
        return self.output(BatchResultSerializer, result)


class ResidentPermissionsApi(AdminApi):
    @extend_schema(
        operation_id="institution_resident_permissions_list",
        responses=GrantSerializer(many=True),
    )
    def get(self, request, pk):
        """The resident's current grants."""
        grants = selectors.resident_grants(resident=self.resident(pk))
        return self.output(GrantSerializer, grants, many=True)

    @extend_schema(
        operation_id="institution_resident_permissions_grant",
        request=FeatureCodeSerializer,
        responses={201: GrantSerializer, **errors(409)},
    )
    def post(self, request, pk):
        """Grant a feature the institution has (audited)."""
        data = self.input(FeatureCodeSerializer)
        grant = feature_grant(
            actor=request.user,
            resident=self.resident(pk),
            code=data["feature"],
            ip_address=client_ip(request),
        )
        return self.output(GrantSerializer, grant, status=201)

    @extend_schema(
        operation_id="institution_resident_permissions_revoke",
        parameters=[FeatureCodeSerializer],
        responses={200: GrantSerializer, **errors(409)},
    )
    def delete(self, request, pk):
        """Revoke the grant of `?feature=` (the row stays, with who and when)."""
        data = self.query(FeatureCodeSerializer)
        grant = feature_revoke(
            actor=request.user,
            resident=self.resident(pk),
            code=data["feature"],
            ip_address=client_ip(request),
        )
        return self.output(GrantSerializer, grant)


# --- Admins, invitations, usage, audit ----------------------------------------------


class AdminListCreateApi(AdminListApi):
    @extend_schema(
        operation_id="institution_admins_list", responses=AdminSerializer(many=True)
    )
    def get(self, request):
        """The institution's admins."""
        admins = selectors.admin_list(
            user=request.user, institution=admin_institution(request)
        )
        return self.paginate(admins, AdminSerializer)

    @extend_schema(
        operation_id="institution_admins_invite",
        request=AdminInviteSerializer,
        responses={201: InvitationSerializer, **errors(409)},
    )
    def post(self, request):
        """Invite an admin by e-mail (senior admins only; audited)."""
        data = self.input(AdminInviteSerializer)
        invitation = invitation_create(
            actor=request.user,
            institution=admin_institution(request),
            email=data["email"],
            role=Invitation.Role.ADMIN,
            is_senior=data["is_senior"],
            ip_address=client_ip(request),
        )
        return self.output(InvitationSerializer, invitation, status=201)


class InvitationListApi(AdminListApi):
    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(
            choices=Invitation.Status.choices, required=False
        )
        role = serializers.ChoiceField(choices=Invitation.Role.choices, required=False)
        search = serializers.CharField(
            max_length=100, required=False, help_text="Part of the e-mail."
        )

    @extend_schema(
        operation_id="institution_invitations_list",
        parameters=[FilterSerializer],
        responses=InvitationSerializer(many=True),
    )
    def get(self, request):
        """The institution's invitations, newest first."""
        filters = self.query(self.FilterSerializer)
        invitations = selectors.invitation_list(user=request.user, filters=filters)
        return self.paginate(invitations, InvitationSerializer)


class InvitationResendApi(AdminApi):
    @extend_schema(
        operation_id="institution_invitations_resend",
        request=None,
        responses={200: InvitationSerializer, **errors(409)},
    )
    def post(self, request, pk):
        """E-mail a new link (the old one stops working) for 7 more days (audited)."""
        invitation = invitation_resend(
            actor=request.user,
            invitation=invitation_get(user=request.user, invitation_id=pk),
            ip_address=client_ip(request),
        )
        return self.output(InvitationSerializer, invitation)


class InvitationRevokeApi(AdminApi):
    @extend_schema(
        operation_id="institution_invitations_revoke",
        request=None,
        responses={200: InvitationSerializer, **errors(409)},
    )
    def post(self, request, pk):
        """Withdraw a pending invitation; its seat frees up (audited)."""
        invitation = invitation_revoke(
            actor=request.user,
            invitation=invitation_get(user=request.user, invitation_id=pk),
            ip_address=client_ip(request),
        )
        return self.output(InvitationSerializer, invitation)


class AuditLogApi(AdminListApi):
    @extend_schema(
        operation_id="institution_audit_logs",
        parameters=[AuditFilterSerializer],
        responses=AuditEntrySerializer(many=True),
    )
    def get(self, request):
        """The institution's audit log, newest first."""
        filters = self.query(AuditFilterSerializer)
        entries = selectors.audit_list(user=request.user, filters=filters)
        return self.paginate(entries, AuditEntrySerializer)
