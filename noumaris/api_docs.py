"""The OpenAPI schema's documentation page.

Apart from noumaris/common/api_schema.py because drf-spectacular's views import the schema class
(noumaris.common.api_schema.AutoSchema) while they are defined.
"""

from drf_spectacular.views import SpectacularSwaggerSplitView


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI from the sidecar's files (no CDN), its script a separate file (CSP)."""

    template_name = "api/swagger_ui.html"
    title = "Noumaris API"
