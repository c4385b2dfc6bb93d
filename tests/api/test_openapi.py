"""The OpenAPI schema: valid, warning-free, served at /api/schema/ with /api/docs/."""

import pytest
from django.core.management import call_command


def test_the_schema_validates_without_a_warning(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/v1/me" in out.read_text()


@pytest.mark.django_db
def test_the_schema_is_served_to_anyone(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "bearerAuth" in schema["components"]["securitySchemes"]


@pytest.mark.django_db
def test_the_docs_page_loads_its_script_from_a_file_not_inline(api):
    page = api.get("/api/docs/").content.decode()
    assert "<script>" not in page and "<style>" not in page
    assert "swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    script = api.get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
