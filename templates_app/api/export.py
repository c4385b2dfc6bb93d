"""Export: a note as plain text, Markdown or FHIR, as a download (audited)."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from noumaris.common.api import Api
from noumaris.common.net import client_ip
from templates_app.api.serializers import OwnResponse
from templates_app.notes.export import FORMATS, note_export_body, note_export_record


class NoteExportApi(Api):
    """The note as plain text, Markdown or a FHIR R4 DocumentReference (audited)."""

    content_negotiation_class = OwnResponse

    class FilterSerializer(serializers.Serializer):
        format = serializers.ChoiceField(choices=sorted(FORMATS), default="text")
        citations = serializers.BooleanField(
            required=False,
            default=False,
            help_text="Keep the [S12] transcript citations in the text.",
        )

    @extend_schema(
        operation_id="notes_export",
        parameters=[FilterSerializer],
        responses={
            (200, "text/plain"): OpenApiTypes.STR,
            (200, "text/markdown"): OpenApiTypes.STR,
            (200, "application/fhir+json"): OpenApiTypes.OBJECT,
        },
    )
    def get(self, request, pk):
        query = self.query(self.FilterSerializer)
        note = note_export_record(
            user=request.user,
            note_id=pk,
            fmt=query["format"],
            ip_address=client_ip(request),
        )
        body, content_type, filename = note_export_body(
            note, query["format"], citations=query["citations"]
        )
        response = HttpResponse(body, content_type=content_type)
        # A download, not a page that replaces the note in the browser.
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response
