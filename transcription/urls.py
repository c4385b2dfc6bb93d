from django.urls import path

from transcription import views

urlpatterns: list = [
    path("encounters/new", views.encounter_new, name="encounter-new"),
    path("encounters/import", views.encounter_import, name="encounter-import"),
    path("encounters/upload", views.encounter_upload, name="encounter-upload"),
    path(
        "encounters/<int:session_id>/speakers",
        views.encounter_speakers,
        name="encounter-speakers",
    ),
    path(
        "encounters/<int:session_id>/segments/<int:seq>",
        views.segment_correct,
        name="segment-correct",
    ),
    path(
        "encounters/<int:session_id>/segments/<int:seq>/role",
        views.segment_role,
        name="segment-role",
    ),
    path(
        "encounters/<int:session_id>/recording",
        views.encounter_recording,
        name="encounter-recording",
    ),
    path(
        "encounters/<int:session_id>", views.encounter_detail, name="encounter-detail"
    ),
]
