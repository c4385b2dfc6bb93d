from django.urls import path

import noumaris.common.api  # noqa: F401 - registers the <id:> path converter
from templates_app import views

urlpatterns = [
    path("templates/", views.template_library, name="template-library"),
    path("templates/new", views.template_edit, name="template-new"),
    path("templates/<id:pk>/", views.template_detail, name="template-detail"),
    path("templates/<id:pk>/edit", views.template_edit, name="template-edit"),
    path("notes/new", views.note_new, name="note-new"),
    path("notes/<id:pk>", views.note_page, name="note"),
    path("notes/<id:pk>/partials", views.note_partials, name="note-partials"),
    path(
        "notes/<id:pk>/sections/<slug:key>",
        views.note_section_save,
        name="note-section-save",
    ),
    path("notes/<id:pk>/sign", views.note_sign, name="note-sign"),
    path(
        "notes/<id:pk>/flags/<id:flag_id>/confirm",
        views.note_flag_confirm,
        name="note-flag-confirm",
    ),
    path("notes/<id:pk>/cosign", views.note_cosign, name="note-cosign"),
    path("notes/<id:pk>/return", views.note_return, name="note-return"),
    path("notes/<id:pk>/print", views.note_print, name="note-print"),
    path("notes/<id:pk>/revisions", views.note_revisions, name="note-revisions"),
    path("supervision/", views.supervision, name="supervision"),
    path("feedback/", views.my_feedback, name="my-feedback"),
]
