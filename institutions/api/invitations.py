"""invitations/<token> (validate) and invitations/<token>/accept, and `features`."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import AllowAny

from institutions.models import Feature, Invitation
from institutions.selectors import invitation_find_by_token
from institutions.services.invitation_accept import (
    invitation_accept,
    invitation_accept_new_account,
    invitation_refusal,
)
from noumaris.common.api import Api
from noumaris.common.api_schema import errors
from noumaris.common.errors import NotFoundError
from noumaris.common.net import client_ip

INVALID = "This invitation link is not valid."


class InvitationPublicSerializer(serializers.Serializer):
    institution = serializers.CharField(source="institution.name")
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Invitation.Role.choices)
    pgy_level = serializers.IntegerField(allow_null=True)
    specialty = serializers.CharField()
    status = serializers.ChoiceField(
        choices=Invitation.Status.choices, source="effective_status"
    )
    expires_at = serializers.DateTimeField()


class InvitationValidateApi(Api):
    permission_classes = [AllowAny]

    class OutputSerializer(InvitationPublicSerializer):
        valid = serializers.BooleanField(
            help_text="Whether it can be accepted (by the caller, when signed in)."
        )
        reason = serializers.CharField(help_text="Why not, when not valid.")

    @extend_schema(
        operation_id="invitations_validate",
        responses={200: OutputSerializer, **errors(404, example=INVALID)},
    )
    def get(self, request, token):
        """What the invitation is for, and whether it can be accepted now."""
        invitation = invitation_find_by_token(token=token)
        if invitation is None:
            raise NotFoundError(INVALID)
        refusal = invitation_refusal(invitation=invitation, user=request.user)
        invitation.valid = refusal is None
        invitation.reason = refusal.message if refusal else ""
        return self.output(self.OutputSerializer, invitation)


class InvitationAcceptApi(Api):
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(
            max_length=128, style={"input_type": "password"}, write_only=True
        )
        first_name = serializers.CharField(
            max_length=150, required=False, allow_blank=True
        )
        last_name = serializers.CharField(
            max_length=150, required=False, allow_blank=True
        )

    @extend_schema(
        operation_id="invitations_accept",
        request=InputSerializer,
        responses={
            200: InvitationPublicSerializer,
            **errors(404, example=INVALID),
            **errors(409, example="This invitation has already been used."),
        },
        description="Signed in: join the institution with this account (its e-mail "
        "must be the invitation's); no body. Not signed in, without an identity "
        "provider (the embedded default): send `username` and `password` to create "
        "a local account with the invitation's e-mail and join with it.",
    )
    def post(self, request, token):
        ip = client_ip(request)
        if request.user.is_authenticated:
            invitation = invitation_accept(
                token=token, user=request.user, ip_address=ip
            )
        elif getattr(settings, "OIDC_ENABLED", False):
            raise NotAuthenticated("Sign in with your identity provider first.")
        else:
            data = self.input(self.InputSerializer)
            invitation, _user = invitation_accept_new_account(
                token=token, ip_address=ip, **data
            )
        return self.output(InvitationPublicSerializer, invitation)


class FeatureListApi(Api):
    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField()
        name = serializers.CharField()
        description = serializers.CharField()
        is_active = serializers.BooleanField()

    @extend_schema(operation_id="features_list", responses=OutputSerializer(many=True))
    def get(self, request):
        """The feature catalogue."""
        features = Feature.objects.order_by("code")
        return self.output(self.OutputSerializer, features, many=True)
