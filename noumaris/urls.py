from django.contrib import admin
from django.urls import include, path

from noumaris import views

admin.site.site_header = "Noumaris administration"
admin.site.site_title = "Noumaris admin"
admin.site.index_title = "Programs, people and audit"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("health", views.health, name="health"),
    path("health/ready", views.health_ready, name="health-ready"),
    path("metrics", views.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("noumaris.api_urls")),
    path("", include("accounts.urls")),
    path("", include("institutions.urls")),
    path("", include("transcription.urls")),
    path("", include("templates_app.urls")),
]
