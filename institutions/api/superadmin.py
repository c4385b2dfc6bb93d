"""admin/superadmin/...: onboarding institutions, their features, subscription,
admins and usage; physicians; the whole audit log. Superadmins only."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from institutions import selectors
from institutions.api.permissions import IsSuperadmin
from institutions.api.serializers import (
    AdminSerializer,
    AuditEntrySerializer,
    GrantSerializer,
    InstitutionSerializer,
    InstitutionUserSerializer,
    InvitationSerializer,
    granted_codes,
)
from institutions.models import Institution, Invitation, PhysicianProfile
from institutions.selectors import institution_get
from institutions.services.features import (
    physician_create,
    physician_feature_grant,
    physician_feature_revoke,
)
from institutions.services.institutions import (
    institution_create,
    institution_features_set,
    institution_subscription_change,
    institution_update,
)
from institutions.services.invitations import invitation_create
from noumaris.common.api import Api, ListApi
from noumaris.common.api_schema import errors
from noumaris.common.errors import NotFoundError
from noumaris.common.net import client_ip

SUBSCRIPTION = Institution.SubscriptionStatus
DUPLICATE = "Institution with name 'Test Hospital' already exists"


class SuperadminApi(Api):
    permission_classes = [IsSuperadmin]

    def institution(self, pk) -> Institution:
        return institution_get(user=self.request.user, institution_id=pk)


class SuperadminListApi(ListApi):
    permission_classes = [IsSuperadmin]


# --- Institutions ------------------------------------------------------------------


class InstitutionFields(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    timezone = serializers.CharField(max_length=64, required=False)
    max_residents = serializers.IntegerField(
        min_value=1, max_value=100_000, required=False
    )
    max_admins = serializers.IntegerField(
        min_value=1, max_value=100_000, required=False
    )


class InstitutionListApi(SuperadminListApi):
    class FilterSerializer(serializers.Serializer):
        subscription_status = serializers.ChoiceField(
            choices=SUBSCRIPTION.choices, required=False
        )
        search = serializers.CharField(
            max_length=100, required=False, help_text="Part of the name or slug."
        )

    class InputSerializer(InstitutionFields):
        subscription_status = serializers.ChoiceField(
            choices=SUBSCRIPTION.choices, required=False
        )
        features = serializers.ListField(
            child=serializers.CharField(max_length=64),
            required=False,
            help_text="Feature codes the institution buys (see GET features).",
        )

    @extend_schema(
        operation_id="superadmin_institutions_list",
        parameters=[FilterSerializer],
        responses=InstitutionSerializer(many=True),
    )
    def get(self, request):
        """Every institution, by name."""
        filters = self.query(self.FilterSerializer)
        institutions = selectors.institution_list(user=request.user, filters=filters)
        return self.paginate(institutions, InstitutionSerializer)

    @extend_schema(
        operation_id="superadmin_institutions_create",
        request=InputSerializer,
        responses={201: InstitutionSerializer, **errors(409, example=DUPLICATE)},
    )
    def post(self, request):
        """Onboard an institution with the features it bought (audited)."""
        data = dict(self.input(self.InputSerializer))
        data["feature_codes"] = data.pop("features", [])
        institution = institution_create(
            actor=request.user, ip_address=client_ip(request), **data
        )
        institution = selectors.institution_detail(institution=institution)
        return self.output(InstitutionSerializer, institution, status=201)


class InstitutionDetailApi(SuperadminApi):
    class InputSerializer(InstitutionFields):
        name = serializers.CharField(max_length=200, required=False)

    @extend_schema(
        operation_id="superadmin_institutions_get", responses=InstitutionSerializer
    )
    def get(self, request, pk):
        institution = selectors.institution_detail(institution=self.institution(pk))
        return self.output(InstitutionSerializer, institution)

    @extend_schema(
        operation_id="superadmin_institutions_update",
        request=InputSerializer,
        responses={200: InstitutionSerializer, **errors(409, example=DUPLICATE)},
    )
    def patch(self, request, pk):
        """Change name, contact e-mail, time zone or seat limits (audited)."""
        data = self.input(self.InputSerializer, partial=True)
        institution = institution_update(
            actor=request.user,
            institution=self.institution(pk),
            ip_address=client_ip(request),
            **data,
        )
        institution = selectors.institution_detail(institution=institution)
        return self.output(InstitutionSerializer, institution)


class InstitutionFeaturesApi(SuperadminApi):
    class FeaturesSerializer(serializers.Serializer):
        features = serializers.ListField(
            child=serializers.CharField(max_length=64),
            help_text="Every feature code the institution has from now on.",
        )

    @extend_schema(
        operation_id="superadmin_institution_features_get",
        responses=FeaturesSerializer,
    )
    def get(self, request, pk):
        """The features the institution has."""
        institution = selectors.institution_detail(institution=self.institution(pk))
        features = InstitutionSerializer().get_features(institution)
        return self.output(self.FeaturesSerializer, {"features": features})

    @extend_schema(
        operation_id="superadmin_institution_features_set",
        request=FeaturesSerializer,
        responses=FeaturesSerializer,
    )
    def put(self, request, pk):
        """Set exactly which features the institution has (audited)."""
        data = self.input(self.FeaturesSerializer)
        codes = institution_features_set(
            actor=request.user,
            institution=self.institution(pk),
            feature_codes=data["features"],
            ip_address=client_ip(request),
        )
        return self.output(self.FeaturesSerializer, {"features": codes})


class InstitutionSubscriptionApi(SuperadminApi):
    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=SUBSCRIPTION.choices)

    @extend_schema(
        operation_id="superadmin_institution_subscription_set",
        request=InputSerializer,
        responses=InstitutionSerializer,
    )
    def put(self, request, pk):
        """Change the subscription status; residents keep features only while
        it is trial or active (audited)."""
        data = self.input(self.InputSerializer)
        institution = institution_subscription_change(
            actor=request.user,
            institution=self.institution(pk),
            status=data["status"],
            ip_address=client_ip(request),
        )
        institution = selectors.institution_detail(institution=institution)
        return self.output(InstitutionSerializer, institution)


class AdminInviteSerializer(serializers.Serializer):
    email = serializers.EmailField()
    is_senior = serializers.BooleanField(default=False)


class InstitutionAdminsApi(SuperadminListApi):
    @extend_schema(
        operation_id="superadmin_institution_admins_list",
        responses=AdminSerializer(many=True),
    )
    def get(self, request, pk):
        """The institution's admins."""
        institution = institution_get(user=request.user, institution_id=pk)
        admins = selectors.admin_list(user=request.user, institution=institution)
        return self.paginate(admins, AdminSerializer)

    @extend_schema(
        operation_id="superadmin_institution_admins_invite",
        request=AdminInviteSerializer,
        responses={201: InvitationSerializer, **errors(409)},
    )
    def post(self, request, pk):
        """Invite an admin by e-mail; they join when they accept (audited)."""
        data = self.input(AdminInviteSerializer)
        invitation = invitation_create(
            actor=request.user,
            institution=institution_get(user=request.user, institution_id=pk),
            email=data["email"],
            role=Invitation.Role.ADMIN,
            is_senior=data["is_senior"],
            ip_address=client_ip(request),
        )
        return self.output(InvitationSerializer, invitation, status=201)


# --- Physicians ------------------------------------------------------------------


class PhysicianSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = InstitutionUserSerializer()
    specialty = serializers.CharField()
    organization = serializers.CharField()
    features = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_features(self, physician) -> list[str]:
        """Codes of the features granted to the physician and not revoked."""
        return granted_codes(physician.user)


class PhysicianListApi(SuperadminListApi):
    class FilterSerializer(serializers.Serializer):
        search = serializers.CharField(max_length=100, required=False)

    class InputSerializer(serializers.Serializer):
        username = serializers.SlugRelatedField(
            slug_field="username",
            queryset=get_user_model().objects.all(),
            source="user",
            help_text="An existing account, e.g. after its first sign-in.",
            error_messages={"does_not_exist": "No such account."},
        )
        specialty = serializers.CharField(
            max_length=120, required=False, allow_blank=True
        )
        organization = serializers.CharField(
            max_length=200, required=False, allow_blank=True
        )

    @extend_schema(
        operation_id="superadmin_physicians_list",
        parameters=[FilterSerializer],
        responses=PhysicianSerializer(many=True),
    )
    def get(self, request):
        """Individual physicians (no institution)."""
        filters = self.query(self.FilterSerializer)
        physicians = selectors.physician_list(user=request.user, filters=filters)
        return self.paginate(physicians, PhysicianSerializer)

    @extend_schema(
        operation_id="superadmin_physicians_create",
        request=InputSerializer,
        responses={201: PhysicianSerializer, **errors(409)},
    )
    def post(self, request):
        """Make an existing account an individual physician (audited)."""
        data = self.input(self.InputSerializer)
        physician = physician_create(
            actor=request.user,
            user=data["user"],
            specialty=data.get("specialty", ""),
            organization=data.get("organization", ""),
            ip_address=client_ip(request),
        )
        return self.output(PhysicianSerializer, physician, status=201)


class FeatureCodeSerializer(serializers.Serializer):
    feature = serializers.CharField(max_length=64, help_text="A feature code.")


class PhysicianPermissionsApi(SuperadminApi):
    def physician(self, pk) -> PhysicianProfile:
        physician = selectors.physician_list(user=self.request.user, filters={}).filter(
            pk=pk
        )
        found = physician.first()
        if found is None:
            raise NotFoundError("Physician not found.")
        return found

    @extend_schema(
        operation_id="superadmin_physician_permissions_grant",
        request=FeatureCodeSerializer,
        responses={201: GrantSerializer, **errors(409)},
    )
    def post(self, request, pk):
        """Grant a feature directly to the physician (audited)."""
        data = self.input(FeatureCodeSerializer)
        grant = physician_feature_grant(
            actor=request.user,
            physician=self.physician(pk),
            code=data["feature"],
            ip_address=client_ip(request),
        )
        return self.output(GrantSerializer, grant, status=201)

    @extend_schema(
        operation_id="superadmin_physician_permissions_revoke",
        parameters=[FeatureCodeSerializer],
        responses={200: GrantSerializer, **errors(409)},
    )
    def delete(self, request, pk):
        """Revoke the physician's grant of `?feature=` (the row stays, audited)."""
        data = self.query(FeatureCodeSerializer)
        grant = physician_feature_revoke(
            actor=request.user,
            physician=self.physician(pk),
            code=data["feature"],
            ip_address=client_ip(request),
        )
        return self.output(GrantSerializer, grant)


# --- Audit ------------------------------------------------------------------------


class AuditFilterSerializer(serializers.Serializer):
    action = serializers.CharField(
        max_length=64, required=False, help_text="e.g. RESIDENT_INVITED"
    )
    actor = serializers.CharField(
        max_length=150, required=False, help_text="The actor's username."
    )
    since = serializers.DateTimeField(required=False, help_text="From this moment on.")
    until = serializers.DateTimeField(required=False, help_text="Before this moment.")


class SuperadminAuditFilterSerializer(AuditFilterSerializer):
    institution = serializers.IntegerField(
        min_value=1, max_value=10**18, required=False
    )


class AuditLogApi(SuperadminListApi):
    @extend_schema(
        operation_id="superadmin_audit_logs",
        parameters=[SuperadminAuditFilterSerializer],
        responses=AuditEntrySerializer(many=True),
    )
    def get(self, request):
        """The whole audit log, newest first."""
        filters = self.query(SuperadminAuditFilterSerializer)
        entries = selectors.audit_list(user=request.user, filters=filters)
        return self.paginate(entries, AuditEntrySerializer)
