"""Sign-off: the author signs; the named attending co-signs or returns the note."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from noumaris.common.api import Api
from noumaris.common.api_schema import errors
from noumaris.common.net import client_ip
from templates_app.api.serializers import NoteSerializer, note_response
from templates_app.notes.signoff import note_cosign, note_return, note_sign
from templates_app.supervision.rubric import RUBRIC_KEYS


class NoteSignApi(Api):
    """Sign and lock the draft, naming the supervising attending (same institution)."""

    class InputSerializer(serializers.Serializer):
        supervisor = serializers.IntegerField(
            min_value=1,
            required=False,
            allow_null=True,
            help_text="The attending's user id; physicians sign without one.",
        )

    @extend_schema(
        operation_id="notes_sign",
        request=InputSerializer,
        responses={200: NoteSerializer, **errors(409)},
    )
    def post(self, request, pk):
        data = self.input(self.InputSerializer)
        note_sign(
            user=request.user,
            note_id=pk,
            supervisor_id=data.get("supervisor"),
            ip_address=client_ip(request),
        )
        return note_response(self, request, pk)


class ReviewSerializer(serializers.Serializer):
    """What an attending may add to a co-signature or a return."""

    scores = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=5),
        required=False,
        default=dict,
        help_text="PDQI-9 ratings, 1-5, by item: " + ", ".join(RUBRIC_KEYS) + ".",
    )
    comment = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default=""
    )
    section = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text="The key of the section the comment is about.",
    )


class NoteCosignApi(Api):
    """The named attending co-signs a signed note with an attestation statement of
    the institution's list (and an optional addendum), optionally rating it."""

    class InputSerializer(ReviewSerializer):
        attestation = serializers.IntegerField(
            min_value=1,
            required=False,
            allow_null=True,
            help_text="The id of one of the institution's attestation statements "
            "(required for an institution's note).",
        )
        addendum = serializers.CharField(
            max_length=4000, required=False, allow_blank=True, default=""
        )

    @extend_schema(
        operation_id="notes_cosign",
        request=InputSerializer,
        responses={200: NoteSerializer, **errors(409)},
    )
    def post(self, request, pk):
        data = self.input(self.InputSerializer)
        note_cosign(
            user=request.user,
            note_id=pk,
            attestation_id=data.get("attestation"),
            addendum=data["addendum"],
            scores=data["scores"],
            comment=data["comment"],
            section=data["section"],
            ip_address=client_ip(request),
        )
        return note_response(self, request, pk)


class NoteReturnApi(Api):
    """The named attending sends a signed note back to the resident with a comment
    (optionally about one section), optionally rating it."""

    class InputSerializer(ReviewSerializer):
        comment = serializers.CharField(max_length=4000)

    @extend_schema(
        operation_id="notes_return",
        request=InputSerializer,
        responses={200: NoteSerializer, **errors(409)},
    )
    def post(self, request, pk):
        data = self.input(self.InputSerializer)
        note_return(
            user=request.user,
            note_id=pk,
            comment=data["comment"],
            scores=data["scores"],
            section=data["section"],
            ip_address=client_ip(request),
        )
        return note_response(self, request, pk)
