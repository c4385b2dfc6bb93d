"""Notes: list and make them, read and edit one, its revisions, its flags."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from noumaris.common.api import Api, ListApi
from noumaris.common.api_schema import errors
from noumaris.common.net import client_ip
from templates_app import selectors
from templates_app.api.serializers import (
    NoteSerializer,
    NoteSummarySerializer,
    UserRefSerializer,
    note_context,
    note_response,
)
from templates_app.models import ClinicalNote
from templates_app.notes.flags import note_flag_confirm
from templates_app.notes.services import note_create, note_edit, note_open


class NoteListApi(ListApi):
    """Notes the caller wrote or supervises; POST makes an empty draft."""

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(
            choices=ClinicalNote.Status.choices, required=False
        )

    class InputSerializer(serializers.Serializer):
        session = serializers.IntegerField(min_value=1)
        template = serializers.IntegerField(min_value=1)

    @extend_schema(
        operation_id="notes_list",
        parameters=[FilterSerializer],
        responses=NoteSummarySerializer(many=True),
    )
    def get(self, request):
        filters = self.query(self.FilterSerializer)
        notes = selectors.note_list_for_user(user=request.user, **filters)
        return self.paginate(notes, NoteSummarySerializer)

    @extend_schema(
        operation_id="notes_create",
        request=InputSerializer,
        responses={201: NoteSerializer},
    )
    def post(self, request):
        data = self.input(self.InputSerializer)
        note = note_create(
            user=request.user,
            session_id=data["session"],
            template_id=data["template"],
            ip_address=client_ip(request),
        )
        return note_response(self, request, note.pk, status=201)


class NoteDetailApi(Api):
    """One note; a read by anyone but its author is audited. PATCH edits sections."""

    class InputSerializer(serializers.Serializer):
        sections = serializers.DictField(
            child=serializers.CharField(allow_blank=True, max_length=20_000),
            help_text="{section key: new text} for the sections to change.",
        )
        revision = serializers.IntegerField(
            min_value=0,
            help_text="The note's `revision` the edit was made on. If a section it "
            "changes has changed since, the answer is 409 with both texts.",
        )

    @extend_schema(operation_id="notes_retrieve", responses=NoteSerializer)
    def get(self, request, pk):
        note = note_open(user=request.user, note_id=pk, ip_address=client_ip(request))
        return self.output(
            NoteSerializer, note, **note_context(note, user=request.user)
        )

    @extend_schema(
        operation_id="notes_update",
        request=InputSerializer,
        responses={200: NoteSerializer, **errors(409)},
    )
    def patch(self, request, pk):
        data = self.input(self.InputSerializer)
        note_edit(
            user=request.user,
            note_id=pk,
            sections=data["sections"],
            base_revision=data["revision"],
        )
        return note_response(self, request, pk)


class NoteRevisionListApi(Api):
    """Every revision of the note, oldest first, with the text after each change."""

    class OutputSerializer(serializers.Serializer):
        number = serializers.IntegerField()
        kind = serializers.CharField()
        section_key = serializers.CharField()
        author = UserRefSerializer()
        created_at = serializers.DateTimeField()
        sections = serializers.DictField(child=serializers.CharField())

    @extend_schema(
        operation_id="notes_revisions", responses=OutputSerializer(many=True)
    )
    def get(self, request, pk):
        note = note_open(user=request.user, note_id=pk, ip_address=client_ip(request))
        revisions = selectors.note_revisions(note=note)
        return self.output(self.OutputSerializer, revisions, many=True)


class NoteFlagConfirmApi(Api):
    """The author confirms a flagged statement as checked (recorded and audited)."""

    @extend_schema(
        operation_id="notes_flag_confirm",
        request=None,
        responses={200: NoteSerializer, **errors(409)},
    )
    def post(self, request, pk, flag_id):
        note_flag_confirm(
            user=request.user,
            note_id=pk,
            flag_id=flag_id,
            ip_address=client_ip(request),
        )
        return note_response(self, request, pk)
