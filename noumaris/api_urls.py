"""Everything under /api/v1/. Each app keeps its own API routes in `<app>/api/urls.py`."""

from django.http import JsonResponse
from django.urls import include, path, re_path


def not_found(request, rest=""):
    """An unknown path under /api/v1/ answers in the error envelope, not an HTML page."""
    return JsonResponse({"detail": "Not found."}, status=404)


urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("institutions.api.urls")),
    path("", include("transcription.api.urls")),
    path("", include("templates_app.api.urls")),
    path("", include("usage.urls")),
    # Last: whatever no app claimed.
    re_path(r"^(?P<rest>.*)$", not_found, name="api-not-found"),
]
