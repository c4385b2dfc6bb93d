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


@pytest.mark.django_db
def test_a_draft_jobs_times_may_be_null_in_the_schema(api):
    """A queued job has not started, a running one has not finished."""
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    [job] = [
        schema
        for schema in response.json()["components"]["schemas"].values()
        if "last_event_id" in schema.get("properties", {})
    ]
    assert job["properties"]["started_at"]["nullable"] is True
    assert job["properties"]["finished_at"]["nullable"] is True
