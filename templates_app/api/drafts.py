"""Drafting: `POST notes/<id>/generate` queues the draft and answers its job at
once; the job's events stream as server-sent events from
`GET notes/<id>/jobs/<job>/events`, which any page may leave and rejoin (see
templates_app.drafting)."""

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers

from noumaris.common.api import Api
from noumaris.common.api_schema import errors
from templates_app import selectors
from templates_app.api.serializers import OwnResponse
from templates_app.drafting import stream
from templates_app.drafting.enqueue import note_draft_enqueue
from templates_app.drafting.jobs import draft_job_cancel


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
        job = note_draft_enqueue(user=request.user, note_id=pk, section=data["section"])
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
        if stream.draft_stream_is_over(job=draft, after=after):
            return HttpResponse(status=204)
        follow = (
            stream.adraft_stream
            if isinstance(request._request, ASGIRequest)
            else stream.draft_stream
        )
        return StreamingHttpResponse(
            follow(job=draft, after=after),
            content_type="text/event-stream",
            headers=stream.SSE_HEADERS,
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
        draft = draft_job_cancel(user=request.user, note_id=pk, job_id=job)
        return self.output(DraftJobSerializer, draft, status=202)
