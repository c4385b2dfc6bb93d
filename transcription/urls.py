from django.urls import path

from transcription import views

urlpatterns: list = [
    path("encounters/new", views.encounter_new, name="encounter-new"),
    path(
        "encounters/<int:session_id>", views.encounter_detail, name="encounter-detail"
    ),
]
