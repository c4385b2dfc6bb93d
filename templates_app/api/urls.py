from django.urls import path

from templates_app.api import views

urlpatterns = [
    path("templates", views.TemplateListApi.as_view(), name="api-templates"),
    path("templates/<id:pk>", views.TemplateDetailApi.as_view(), name="api-template"),
    path("tags", views.TagListApi.as_view(), name="api-tags"),
    path("notes", views.NoteListApi.as_view(), name="api-notes"),
    path("notes/<id:pk>", views.NoteDetailApi.as_view(), name="api-note"),
    path(
        "notes/<id:pk>/generate",
        views.NoteGenerateApi.as_view(),
        name="api-note-generate",
    ),
    path("notes/<id:pk>/sign", views.NoteSignApi.as_view(), name="api-note-sign"),
    path(
        "notes/<id:pk>/flags/<id:flag_id>/confirm",
        views.NoteFlagConfirmApi.as_view(),
        name="api-note-flag-confirm",
    ),
    path("notes/<id:pk>/cosign", views.NoteCosignApi.as_view(), name="api-note-cosign"),
    path("notes/<id:pk>/return", views.NoteReturnApi.as_view(), name="api-note-return"),
    path(
        "notes/<id:pk>/revisions",
        views.NoteRevisionListApi.as_view(),
        name="api-note-revisions",
    ),
    path("notes/<id:pk>/export", views.NoteExportApi.as_view(), name="api-note-export"),
]
