"""API routes of the usage figures (included under /api/v1/ by noumaris.api_urls)."""

from django.urls import path

import noumaris.common.api  # noqa: F401 - registers the <id:> path converter
from usage import api

urlpatterns = [
    path("admin/institution/usage", api.UsageApi.as_view()),
    path(
        "admin/superadmin/institutions/<id:pk>/usage", api.InstitutionUsageApi.as_view()
    ),
]
