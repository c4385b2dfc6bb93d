from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from accounts.views import admin_sign_in, admin_view_on_site, sign_out
from noumaris import health, views
from noumaris.api_docs import SwaggerView
from usage import views as usage_views

admin.site.site_header = "Noumaris administration"
admin.site.site_title = "Noumaris admin"
admin.site.index_title = "Programs, people and audit"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("program/", usage_views.program, name="program"),
    path("program/director/", usage_views.director, name="program-director"),
    path("health", health.health, name="health"),
    path("health/ready", health.health_ready, name="health-ready"),
    path("metrics", views.metrics, name="metrics"),
    # With OIDC on, the admin's password form would be a way around the provider.
    path("admin/login/", admin_sign_in, name="admin-sign-in"),
    # The admin's "Log out" is the product's sign-out (the provider's session too):
    # a superadmin's and an admin's home is the admin.
    path("admin/logout/", sign_out, name="admin-sign-out"),
    path(
        "admin/r/<int:content_type_id>/<path:object_id>/",
        admin.site.admin_view(admin_view_on_site),
        name="admin-view-on-site",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include("noumaris.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("accounts.urls")),
    path("", include("institutions.urls")),
    path("", include("transcription.urls")),
    path("", include("templates_app.urls")),
]

handler400 = "noumaris.views.bad_request"
handler404 = "noumaris.views.page_not_found"
handler500 = "noumaris.views.server_error"
