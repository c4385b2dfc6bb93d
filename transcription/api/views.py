"""The transcription API: own sessions and segments, WebSocket tickets, metrics."""

from asgiref.sync import async_to_sync
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser

from noumaris.common.api import Api, ListApi
from noumaris.common.api_schema import errors
from noumaris.common.net import client_ip
from transcription import selectors
from transcription.services.imports import transcript_import
from transcription.services.sockets import ticket_issue
from transcription.services.transcripts import (
    segment_correct,
    speaker_roles_set,
    transcript_read,
)
from transcription.services.uploads import upload_start


class SessionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    engine = serializers.CharField()
    language = serializers.CharField()
    status = serializers.CharField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    audio_seconds = serializers.FloatField()
    segment_count = serializers.IntegerField()
    consent_confirmed_at = serializers.DateTimeField()
    progress = serializers.IntegerField(
        help_text="Percent transcribed of an uploaded recording (status "
        "`transcribing`); 100 once done."
    )
    speaker_roles = serializers.DictField(
        child=serializers.CharField(),
        help_text="The role named for each speaker number: clinician, patient, "
        "family, interpreter or other.",
    )


class SessionListApi(ListApi):
    @extend_schema(
        operation_id="transcription_session_list",
        responses=SessionOutput(many=True),
        summary="Your encounter sessions, newest first",
    )
    def get(self, request):
        sessions = selectors.session_list_for_owner(user=request.user)
        return self.paginate(sessions, SessionOutput)


class SessionDetailApi(Api):
    @extend_schema(
        operation_id="transcription_session_detail",
        responses=SessionOutput,
        summary="One of your encounter sessions",
    )
    def get(self, request, pk: int):
        session = selectors.session_get_for_owner(
            user=request.user, session_id=pk, with_counts=True
        )
        return self.output(SessionOutput, session)


class SegmentOutput(serializers.Serializer):
    seq = serializers.IntegerField()
    speaker = serializers.IntegerField(
        allow_null=True, help_text="Speaker number from 0; pages show 'Speaker 1'."
    )
    speaker_role = serializers.SerializerMethodField()
    start_ms = serializers.IntegerField()
    end_ms = serializers.IntegerField()
    text = serializers.CharField()
    confidence = serializers.FloatField(allow_null=True)
    heard_text = serializers.CharField(
        help_text="What the engine wrote, when `text` was rewritten from it; '' if not."
    )
    words = serializers.SerializerMethodField(
        help_text="The words of `text` with times, Whisper's probability, whether "
        "doubtful, and what was heard when rewritten; [] once the text is corrected."
    )

    def get_speaker_role(self, segment) -> str | None:
        return self.context.get("roles", {}).get(str(segment.speaker))

    def get_words(self, segment) -> list[dict]:
        from transcription.heard import doubtful, segment_words

        return [
            {
                "text": w.text,
                "start_ms": w.start_ms,
                "end_ms": w.end_ms,
                "probability": round(w.probability, 2),
                "doubtful": doubtful(w),
                "heard": w.heard,
                "kind": w.kind or None,
            }
            for w in segment_words(segment) or ()
        ]


class SegmentListApi(ListApi):
    class FilterSerializer(serializers.Serializer):
        after_seq = serializers.IntegerField(
            min_value=0, required=False, help_text="Only segments after this seq."
        )

    @extend_schema(
        operation_id="transcription_segment_list",
        parameters=[FilterSerializer],
        responses=SegmentOutput(many=True),
        summary="The final transcript segments of one of your sessions, in order",
    )
    def get(self, request, pk: int):
        filters = self.query(self.FilterSerializer)
        session = selectors.session_get_for_owner(user=request.user, session_id=pk)
        segments = transcript_read(
            user=request.user,
            session=session,
            ip_address=client_ip(request),
            after_seq=filters.get("after_seq", 0),
        )
        return self.paginate(segments, SegmentOutput, roles=session.speaker_roles)


class _NewEncounterInput(serializers.Serializer):
    """What every way of making an encounter asks besides its content."""

    label = serializers.CharField(max_length=120, required=False, default="")
    consent = serializers.BooleanField(
        help_text="The clinician confirms the patient agreed to be recorded."
    )


class _NewEncounterApi(Api):
    """Import and upload: the input read, the service called, the session answered."""

    status = 201

    def make(self, request, data) -> object:
        raise NotImplementedError

    def post(self, request):
        data = self.input(self.InputSerializer)
        session = self.make(request, data)
        session = selectors.session_get_for_owner(
            user=request.user, session_id=session.pk, with_counts=True
        )
        return self.output(SessionOutput, session, status=self.status)


class TranscriptImportApi(_NewEncounterApi):
    class InputSerializer(_NewEncounterInput):
        transcript = serializers.CharField(
            trim_whitespace=False,
            help_text="Plain text with speaker prefixes (`Doctor: ...`, "
            "`[patient] ...`), or WebVTT.",
        )

    def make(self, request, data):
        return transcript_import(
            user=request.user,
            text=data["transcript"],
            label=data["label"],
            consent=data["consent"],
            ip_address=client_ip(request),
        )

    @extend_schema(
        operation_id="transcription_import",
        request=InputSerializer,
        responses={201: SessionOutput},
        summary="Make an encounter from a transcript recorded elsewhere",
    )
    def post(self, request):
        return super().post(request)


class RecordingUploadApi(_NewEncounterApi):
    parser_classes = [MultiPartParser]
    status = 202

    class InputSerializer(_NewEncounterInput):
        file = serializers.FileField(
            help_text="WAV, MP3, M4A/AAC, OGG/Opus or WebM; see UPLOAD_MAX_MB and "
            "UPLOAD_MAX_MINUTES."
        )

    def make(self, request, data):
        return upload_start(
            user=request.user,
            file=data["file"],
            label=data["label"],
            consent=data["consent"],
            ip_address=client_ip(request),
        )

    @extend_schema(
        operation_id="transcription_upload",
        request={"multipart/form-data": InputSerializer},
        responses={202: SessionOutput},
        summary="Upload a recorded encounter; it is transcribed in the background",
    )
    def post(self, request):
        return super().post(request)


class SpeakerRolesApi(Api):
    class InputSerializer(serializers.Serializer):
        roles = serializers.DictField(
            child=serializers.CharField(allow_blank=True),
            help_text="{speaker number: role}; an empty role clears it.",
        )

    class OutputSerializer(serializers.Serializer):
        speaker_roles = serializers.DictField(child=serializers.CharField())

    @extend_schema(
        operation_id="transcription_speakers_update",
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            **errors(409, example="This transcript is part of a signed note: ..."),
        },
        summary="Name the role of each speaker of one of your encounters",
        description="Refused (409) once a signed or co-signed note cites the "
        "transcript: it is that note's evidence.",
    )
    def patch(self, request, pk: int):
        data = self.input(self.InputSerializer)
        session = speaker_roles_set(
            user=request.user,
            session_id=pk,
            roles=data["roles"],
            ip_address=client_ip(request),
        )
        return self.output(self.OutputSerializer, session)


class SegmentCorrectApi(Api):
    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=20000)

    @extend_schema(
        operation_id="transcription_segment_correct",
        request=InputSerializer,
        responses={
            200: SegmentOutput,
            **errors(409, example="This transcript is part of a signed note: ..."),
        },
        summary="Correct a segment's text (every version is kept, and audited)",
        description="Refused (409) while the recording is open, and once a signed "
        "or co-signed note cites the transcript: it is that note's evidence.",
    )
    def patch(self, request, pk: int, seq: int):
        data = self.input(self.InputSerializer)
        segment = segment_correct(
            user=request.user,
            session_id=pk,
            seq=seq,
            text=data["text"],
            ip_address=client_ip(request),
        )
        return self.output(SegmentOutput, segment, roles=segment.session.speaker_roles)


class TicketOutput(serializers.Serializer):
    ticket = serializers.CharField()
    expires_at = serializers.DateTimeField()
    url = serializers.CharField(help_text="Open this WebSocket path within 30 s, once.")


class TicketCreateApi(Api):
    @extend_schema(
        operation_id="transcription_ticket_create",
        request=None,
        responses={201: TicketOutput},
        summary="A single-use, 30-second ticket for /ws/transcribe/",
    )
    def post(self, request):
        token, ticket = ticket_issue(user=request.user)
        payload = {
            "ticket": token,
            "expires_at": ticket.expires_at,
            "url": f"/ws/transcribe/?ticket={token}",
        }
        return self.output(TicketOutput, payload, status=201)


class WebsocketMetricsOutput(serializers.Serializer):
    open_connections = serializers.IntegerField()
    sessions_by_engine = serializers.DictField(child=serializers.IntegerField())
    open_sessions_by_engine = serializers.DictField(child=serializers.IntegerField())
    audio_seconds = serializers.FloatField()
    errors = serializers.DictField(child=serializers.IntegerField())


class WebsocketMetricsApi(Api):
    @extend_schema(
        operation_id="superadmin_websocket_metrics",
        responses=WebsocketMetricsOutput,
        summary="Live-transcription sockets across every worker (superadmins)",
    )
    def get(self, request):
        figures = async_to_sync(selectors.websocket_metrics)(user=request.user)
        return self.output(WebsocketMetricsOutput, figures)
