"""Everything under /api/v1/. Each app keeps its own API routes in `<app>/api/urls.py`."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("institutions.api.urls")),
    path("", include("transcription.api.urls")),
    path("", include("templates_app.api.urls")),
]
