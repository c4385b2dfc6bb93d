"""Responses to a signed-in person are never cacheable (they hold PHI)."""

import pytest

pytestmark = pytest.mark.django_db


def _directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


def test_every_signed_in_page_and_api_answer_is_no_store_private(client, note):
    client.force_login(note.author)
    paths = [
        "/",
        f"/notes/{note.pk}",
        f"/encounters/{note.session_id}",
        "/api/v1/notes",
        f"/api/v1/notes/{note.pk}",
        f"/api/v1/notes/{note.pk}/revisions",
        f"/api/v1/transcription/sessions/{note.session_id}/segments",
        "/api/v1/me",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        assert {"no-store", "private"} <= _directives(response), path


def test_a_refusal_to_a_signed_in_person_is_private_too(client, resident):
    client.force_login(resident)
    response = client.get("/api/v1/notes/999999")
    assert {"no-store", "private"} <= _directives(response)
