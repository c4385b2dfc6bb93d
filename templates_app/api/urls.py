from django.urls import path

from templates_app.api import drafts, export, notes, signoff, supervision, templates

urlpatterns = [
    path("templates", templates.TemplateListApi.as_view(), name="api-templates"),
    path(
        "templates/<id:pk>", templates.TemplateDetailApi.as_view(), name="api-template"
    ),
    path("tags", templates.TagListApi.as_view(), name="api-tags"),
    path("notes", notes.NoteListApi.as_view(), name="api-notes"),
    path(
        "attestations",
        supervision.AttestationListApi.as_view(),
        name="api-attestations",
    ),
    path(
        "supervision/queue",
        supervision.SupervisionQueueApi.as_view(),
        name="api-supervision-queue",
    ),
    path("me/feedback", supervision.MyFeedbackApi.as_view(), name="api-me-feedback"),
    path("notes/<id:pk>", notes.NoteDetailApi.as_view(), name="api-note"),
    path(
        "notes/<id:pk>/generate",
        drafts.NoteGenerateApi.as_view(),
        name="api-note-generate",
    ),
    path(
        "notes/<id:pk>/jobs/<id:job>",
        drafts.NoteJobDetailApi.as_view(),
        name="api-note-job",
    ),
    path(
        "notes/<id:pk>/jobs/<id:job>/events",
        drafts.NoteJobEventsApi.as_view(),
        name="api-note-job-events",
    ),
    path(
        "notes/<id:pk>/jobs/<id:job>/cancel",
        drafts.NoteJobCancelApi.as_view(),
        name="api-note-job-cancel",
    ),
    path("notes/<id:pk>/sign", signoff.NoteSignApi.as_view(), name="api-note-sign"),
    path(
        "notes/<id:pk>/flags/<id:flag_id>/confirm",
        notes.NoteFlagConfirmApi.as_view(),
        name="api-note-flag-confirm",
    ),
    path(
        "notes/<id:pk>/cosign", signoff.NoteCosignApi.as_view(), name="api-note-cosign"
    ),
    path(
        "notes/<id:pk>/return", signoff.NoteReturnApi.as_view(), name="api-note-return"
    ),
    path(
        "notes/<id:pk>/revisions",
        notes.NoteRevisionListApi.as_view(),
        name="api-note-revisions",
    ),
    path(
        "notes/<id:pk>/export", export.NoteExportApi.as_view(), name="api-note-export"
    ),
]
