"""The templates and notes API: thin views over the app's services and selectors.

`POST notes/<id>/generate` queues the draft and answers its job at once; the job's
events stream as server-sent events from `GET notes/<id>/jobs/<job>/events`, which
any page may leave and rejoin (see templates_app.streaming). Every other operation
answers JSON in DESIGN's envelope.
"""

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation

from noumaris.api import Api, ListApi, errors
from noumaris.net import client_ip
from templates_app import following, selectors, services, streaming
from templates_app.export import FORMATS, note_export_body
from templates_app.models import ClinicalNote, Tag
from templates_app.presentation import engine_label, note_sections
from templates_app.supervision import selectors as teaching
from templates_app.supervision import services as supervision
from templates_app.supervision.authorship import note_authorship
from templates_app.supervision.rubric import RUBRIC_KEYS
from transcription.selectors import segment_list

# --- Serializers ---------------------------------------------------------------------


class TagSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()


class SectionSerializer(serializers.Serializer):
    key = serializers.CharField(
        required=False, allow_blank=True, help_text="Made from the title when empty."
    )
    title = serializers.CharField()
    instructions = serializers.CharField(allow_blank=True, required=False)


class TemplateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    specialty = serializers.CharField()
    instructions = serializers.CharField()
    scope = serializers.CharField()
    version = serializers.IntegerField()
    is_active = serializers.BooleanField()
    tags = TagSerializer(many=True, source="tags.all")
    sections = SectionSerializer(many=True, source="sections.all")


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")


class NoteSectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField(allow_blank=True)
    machine_text = serializers.CharField(
        allow_blank=True, help_text="The section as the engine drafted it."
    )
    edited = serializers.BooleanField()
    cited = serializers.ListField(child=serializers.IntegerField())
    unverified = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Cited segment numbers that do not exist in the transcript.",
    )


class FlagSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    section = serializers.CharField(source="section_key")
    position = serializers.IntegerField(help_text="The statement's place in it.")
    statement = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    message = serializers.CharField()
    seqs = serializers.ListField(
        child=serializers.IntegerField(), help_text="The segments it cites."
    )
    cited_words = serializers.CharField(help_text="What those segments say.")
    status = serializers.CharField(help_text="open, confirmed or edited.")
    resolved_by = UserRefSerializer(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolved_revision = serializers.IntegerField(allow_null=True)


class EngineLabelSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()


class TemplateRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    version = serializers.IntegerField()


class NoteSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    session = serializers.IntegerField(source="session_id")
    title = serializers.CharField()
    status = serializers.CharField()
    generation = serializers.CharField()
    author = UserRefSerializer()
    supervisor = UserRefSerializer(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    cosigned_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class FeedbackSerializer(serializers.Serializer):
    kind = serializers.CharField()
    reviewer = UserRefSerializer()
    scores = serializers.DictField(
        child=serializers.IntegerField(), help_text="{PDQI-9 item: 1-5}"
    )
    comment = serializers.CharField()
    section = serializers.CharField(source="section_key")
    created_at = serializers.DateTimeField()


class SectionAuthorshipSerializer(serializers.Serializer):
    key = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["kept", "edited", "rewritten", "written"],
        help_text="written: no machine draft; rewritten: under half of it kept.",
    )
    share = serializers.FloatField(help_text="Share of the words from the machine.")


class AuthorshipSerializer(serializers.Serializer):
    share = serializers.FloatField(
        help_text="Share of the note's words that came from the machine draft."
    )
    sections = SectionAuthorshipSerializer(many=True)


class NoteSerializer(NoteSummarySerializer):
    template = serializers.SerializerMethodField()
    engine = serializers.CharField()
    model = serializers.CharField()
    input_tokens = serializers.IntegerField()
    output_tokens = serializers.IntegerField()
    generation_error = serializers.CharField()
    returned_at = serializers.DateTimeField(allow_null=True)
    return_comment = serializers.CharField()
    attestation = serializers.CharField(
        help_text="The co-signing attending's attestation statement."
    )
    attestation_addendum = serializers.CharField()
    engine_label = serializers.SerializerMethodField()
    revision = serializers.SerializerMethodField(
        help_text="The latest revision's number: what an edit names."
    )
    open_flags = serializers.SerializerMethodField()
    flags = serializers.SerializerMethodField()
    sections = serializers.SerializerMethodField()
    feedback = serializers.SerializerMethodField()
    authorship = serializers.SerializerMethodField()

    @extend_schema_field(EngineLabelSerializer)
    def get_engine_label(self, note) -> dict:
        return engine_label(note)

    def get_revision(self, note) -> int:
        return self.context["review"]["revision"]

    def get_open_flags(self, note) -> int:
        return self.context["review"]["open_flags"]

    @extend_schema_field(FlagSerializer(many=True))
    def get_flags(self, note) -> list[dict]:
        return FlagSerializer(self.context["flags"], many=True).data

    @extend_schema_field(TemplateRefSerializer)
    def get_template(self, note) -> dict:
        snapshot = note.template_snapshot
        return {
            "id": note.template_id,
            "name": snapshot.get("name"),
            "version": snapshot.get("version"),
        }

    @extend_schema_field(NoteSectionSerializer(many=True))
    def get_sections(self, note) -> list[dict]:
        return note_sections(note, known=self.context["known"])

    @extend_schema_field(FeedbackSerializer(many=True))
    def get_feedback(self, note) -> list[dict]:
        return FeedbackSerializer(teaching.note_feedback(note=note), many=True).data

    @extend_schema_field(AuthorshipSerializer)
    def get_authorship(self, note) -> dict:
        return AuthorshipSerializer(note_authorship(note)).data


def _known(note: ClinicalNote) -> set[int]:
    return set(segment_list(session=note.session).values_list("seq", flat=True))


def _note_context(note: ClinicalNote) -> dict:
    return {
        "known": _known(note),
        "flags": selectors.note_flags(note=note),
        "review": selectors.note_review_state(note=note),
    }


def _ip(request) -> str | None:
    return client_ip(request)


# --- Templates and tags --------------------------------------------------------------


class TemplateListApi(ListApi):
    """The template library the caller may use; a personal template is added by POST."""

    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, allow_blank=True, max_length=100)
        tag = serializers.SlugField(required=False, allow_blank=True)
        specialty = serializers.CharField(
            required=False, allow_blank=True, max_length=60
        )

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=120)
        description = serializers.CharField(
            max_length=300, required=False, allow_blank=True, default=""
        )
        specialty = serializers.CharField(
            max_length=60, required=False, allow_blank=True, default=""
        )
        instructions = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=10_000
        )
        tags = serializers.PrimaryKeyRelatedField(
            queryset=Tag.objects.all(), many=True, required=False, default=list
        )
        sections = SectionSerializer(many=True)

    @extend_schema(
        operation_id="templates_list",
        parameters=[FilterSerializer],
        responses=TemplateSerializer(many=True),
    )
    def get(self, request):
        filters = self.query(self.FilterSerializer)
        templates = selectors.template_list_for_user(user=request.user, **filters)
        return self.paginate(templates.order_by("name", "id"), TemplateSerializer)

    @extend_schema(
        operation_id="templates_create",
        request=InputSerializer,
        responses={201: TemplateSerializer},
    )
    def post(self, request):
        data = self.input(self.InputSerializer)
        template = services.template_create_personal(user=request.user, **data)
        template = selectors.template_get_for_user(
            user=request.user, template_id=template.pk
        )
        return self.output(TemplateSerializer, template, status=201)


class TemplateDetailApi(Api):
    """One template the caller may use; the owner of a personal one may replace it."""

    class InputSerializer(TemplateListApi.InputSerializer):
        is_active = serializers.BooleanField(required=False, default=True)

    @extend_schema(operation_id="templates_retrieve", responses=TemplateSerializer)
    def get(self, request, pk):
        template = selectors.template_get_for_user(user=request.user, template_id=pk)
        return self.output(TemplateSerializer, template)

    @extend_schema(
        operation_id="templates_update",
        request=InputSerializer,
        responses=TemplateSerializer,
    )
    def put(self, request, pk):
        data = self.input(self.InputSerializer)
        services.template_update_personal(user=request.user, template_id=pk, **data)
        template = selectors.template_get_for_user(user=request.user, template_id=pk)
        return self.output(TemplateSerializer, template)


class TagListApi(Api):
    """Every tag, with how many active templates carry it."""

    class OutputSerializer(TagSerializer):
        template_count = serializers.IntegerField()

    @extend_schema(operation_id="tags_list", responses=OutputSerializer(many=True))
    def get(self, request):
        return self.output(self.OutputSerializer, selectors.tag_list(), many=True)


# --- Notes ---------------------------------------------------------------------------


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
        note = services.note_create(
            user=request.user,
            session_id=data["session"],
            template_id=data["template"],
            ip_address=_ip(request),
        )
        return _note_response(self, request, note.pk, status=201)


def _note_response(view, request, note_id, *, status=200):
    note = selectors.note_get_for_user(user=request.user, note_id=note_id)
    return view.output(NoteSerializer, note, status=status, **_note_context(note))


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
        note = services.note_open(
            user=request.user, note_id=pk, ip_address=_ip(request)
        )
        return self.output(NoteSerializer, note, **_note_context(note))

    @extend_schema(
        operation_id="notes_update",
        request=InputSerializer,
        responses={200: NoteSerializer, **errors(409)},
    )
    def patch(self, request, pk):
        data = self.input(self.InputSerializer)
        services.note_edit(
            user=request.user,
            note_id=pk,
            sections=data["sections"],
            base_revision=data["revision"],
        )
        return _note_response(self, request, pk)


class OwnResponse(DefaultContentNegotiation):
    """For views that build their own response (an event stream, an export): DRF
    renders only errors, as JSON, whatever `Accept` or `?format=` say."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class DraftJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    note = serializers.IntegerField(source="note_id")
    section = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    last_event_id = serializers.IntegerField(source="last_seq")
    events = serializers.SerializerMethodField()
    cancel = serializers.SerializerMethodField()

    def get_events(self, job) -> str:
        return f"/api/v1/notes/{job.note_id}/jobs/{job.pk}/events"

    def get_cancel(self, job) -> str:
        return f"/api/v1/notes/{job.note_id}/jobs/{job.pk}/cancel"


class NoteGenerateApi(Api):
    """Draft the note (or one section) as a background task; 202 with the job.

    Follow it at the job's `events` URL. One draft per note at a time (409)."""

    class InputSerializer(serializers.Serializer):
        section = serializers.SlugField(
            required=False, allow_blank=True, default="", max_length=40
        )

    @extend_schema(
        operation_id="notes_generate",
        request=InputSerializer,
        responses={202: DraftJobSerializer, **errors(409)},
    )
    def post(self, request, pk):
        data = self.input(self.InputSerializer)
        job = streaming.note_draft_enqueue(
            user=request.user, note_id=pk, section=data["section"]
        )
        return self.output(DraftJobSerializer, job, status=202)


class NoteJobDetailApi(Api):
    """One draft job of the user's own note (its status and last event id)."""

    @extend_schema(operation_id="notes_jobs_retrieve", responses=DraftJobSerializer)
    def get(self, request, pk, job):
        draft = selectors.draft_job_get_for_author(
            user=request.user, note_id=pk, job_id=job
        )
        return self.output(DraftJobSerializer, draft)


class NoteJobEventsApi(Api):
    """The job's events as server-sent events, from `Last-Event-ID` (or
    `?last_event_id=`) on: `queued`, `start` {note, engine, model, sections}; per
    section `section` {key, title}, `delta` {key, text}..., `section_done` {key,
    text}; `error` {message, retryable, kept} if it stopped (what was drafted is
    kept); then `done` {generation, input_tokens, output_tokens, revision,
    open_flags}. 204 when the job
    is over and every event was had (EventSource then stops rejoining)."""

    content_negotiation_class = OwnResponse

    class FilterSerializer(serializers.Serializer):
        last_event_id = serializers.IntegerField(required=False, min_value=0)

    @extend_schema(
        operation_id="notes_jobs_events",
        parameters=[FilterSerializer],
        responses={
            (200, "text/event-stream"): OpenApiResponse(
                OpenApiTypes.STR, description="Server-sent events, as described."
            ),
            204: OpenApiResponse(description="Nothing more to stream."),
        },
    )
    def get(self, request, pk, job):
        draft = selectors.draft_job_get_for_author(
            user=request.user, note_id=pk, job_id=job
        )
        after = self._after(request)
        if following.draft_stream_is_over(job=draft, after=after):
            return HttpResponse(status=204)
        stream = (
            following.adraft_stream
            if isinstance(request._request, ASGIRequest)
            else following.draft_stream
        )
        return StreamingHttpResponse(
            stream(job=draft, after=after),
            content_type="text/event-stream",
            headers=following.SSE_HEADERS,
        )

    def _after(self, request) -> int:
        header = request.headers.get("Last-Event-ID", "").strip()
        if header.isascii() and header.isdigit():
            return int(header)
        return self.query(self.FilterSerializer).get("last_event_id", 0)


class NoteJobCancelApi(Api):
    """Stop a draft; what was drafted is kept (409 once it has finished)."""

    @extend_schema(
        operation_id="notes_jobs_cancel",
        request=None,
        responses={202: DraftJobSerializer, **errors(409)},
    )
    def post(self, request, pk, job):
        draft = streaming.draft_job_cancel(user=request.user, note_id=pk, job_id=job)
        return self.output(DraftJobSerializer, draft, status=202)


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
        services.note_sign(
            user=request.user,
            note_id=pk,
            supervisor_id=data.get("supervisor"),
            ip_address=_ip(request),
        )
        return _note_response(self, request, pk)


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


class NoteFlagConfirmApi(Api):
    """The author confirms a flagged statement as checked (recorded and audited)."""

    @extend_schema(
        operation_id="notes_flag_confirm",
        request=None,
        responses={200: NoteSerializer, **errors(409)},
    )
    def post(self, request, pk, flag_id):
        services.note_flag_confirm(
            user=request.user, note_id=pk, flag_id=flag_id, ip_address=_ip(request)
        )
        return _note_response(self, request, pk)


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
        services.note_cosign(
            user=request.user,
            note_id=pk,
            attestation_id=data.get("attestation"),
            addendum=data["addendum"],
            scores=data["scores"],
            comment=data["comment"],
            section=data["section"],
            ip_address=_ip(request),
        )
        return _note_response(self, request, pk)


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
        services.note_return(
            user=request.user,
            note_id=pk,
            comment=data["comment"],
            scores=data["scores"],
            section=data["section"],
            ip_address=_ip(request),
        )
        return _note_response(self, request, pk)


class QueuedNoteSerializer(serializers.Serializer):
    note = NoteSummarySerializer()
    age_hours = serializers.IntegerField(help_text="Hours since signing.")
    overdue = serializers.BooleanField()
    deadline_hours = serializers.SerializerMethodField()

    def get_deadline_hours(self, queued) -> int:
        return int(queued.deadline.total_seconds() // 3600)


class SupervisionQueueApi(Api):
    """The caller's co-sign queue: waiting notes, overdue first, with their age; and
    notes they co-signed or returned in the last two weeks."""

    class OutputSerializer(serializers.Serializer):
        waiting = QueuedNoteSerializer(many=True)
        recent = NoteSummarySerializer(many=True)

    @extend_schema(operation_id="supervision_queue", responses=OutputSerializer)
    def get(self, request):
        queue = teaching.cosign_queue(user=request.user)
        return self.output(self.OutputSerializer, queue)


class MyFeedbackApi(Api):
    """The caller's own feedback (rubric and comments), newest first, with its note."""

    class OutputSerializer(FeedbackSerializer):
        note = serializers.IntegerField(source="note_id")

    @extend_schema(operation_id="me_feedback", responses=OutputSerializer(many=True))
    def get(self, request):
        feedback = teaching.feedback_for_resident(user=request.user)
        return self.output(self.OutputSerializer, feedback, many=True)


class AttestationListApi(Api):
    """The attestation statements the caller's institution offers at co-sign."""

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        label = serializers.CharField()
        text = serializers.CharField()

    @extend_schema(
        operation_id="attestations_list", responses=OutputSerializer(many=True)
    )
    def get(self, request):
        statements = supervision.attestation_list_for_user(user=request.user)
        return self.output(self.OutputSerializer, statements, many=True)


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
        note = services.note_open(
            user=request.user, note_id=pk, ip_address=_ip(request)
        )
        revisions = selectors.note_revisions(note=note)
        return self.output(self.OutputSerializer, revisions, many=True)


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
        note = services.note_export_record(
            user=request.user, note_id=pk, fmt=query["format"], ip_address=_ip(request)
        )
        body, content_type, filename = note_export_body(
            note, query["format"], citations=query["citations"]
        )
        response = HttpResponse(body, content_type=content_type)
        # A download, not a page that replaces the note in the browser.
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response
