"""Supervision: an attending's co-sign queue, a resident's feedback, and the
institution's attestation statements."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from noumaris.common.api import Api
from templates_app.api.serializers import FeedbackSerializer, NoteSummarySerializer
from templates_app.supervision import selectors as teaching
from templates_app.supervision import services as supervision


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
