from django.urls import path

from transcription.api import views

urlpatterns: list = [
    path(
        "transcription/sessions",
        views.SessionListApi.as_view(),
        name="transcription-session-list",
    ),
    path(
        "transcription/sessions/<id:pk>",
        views.SessionDetailApi.as_view(),
        name="transcription-session-detail",
    ),
    path(
        "transcription/sessions/<id:pk>/segments",
        views.SegmentListApi.as_view(),
        name="transcription-segment-list",
    ),
    path(
        "transcription/sessions/import",
        views.TranscriptImportApi.as_view(),
        name="transcription-import",
    ),
    path(
        "transcription/sessions/upload",
        views.RecordingUploadApi.as_view(),
        name="transcription-upload",
    ),
    path(
        "transcription/sessions/<id:pk>/speakers",
        views.SpeakerRolesApi.as_view(),
        name="transcription-speakers",
    ),
    path(
        "transcription/sessions/<id:pk>/segments/<id:seq>",
        views.SegmentCorrectApi.as_view(),
        name="transcription-segment-correct",
    ),
    path(
        "transcription/sessions/<id:pk>/segments/<id:seq>/role",
        views.SegmentRoleApi.as_view(),
        name="transcription-segment-role",
    ),
    path(
        "transcription/tickets",
        views.TicketCreateApi.as_view(),
        name="transcription-ticket-create",
    ),
    path(
        "admin/superadmin/websocket-metrics",
        views.WebsocketMetricsApi.as_view(),
        name="superadmin-websocket-metrics",
    ),
]
