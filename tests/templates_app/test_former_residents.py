"""A resident whose residency ended (graduated or deactivated) keeps the sign-in but
no longer reads, edits, signs or exports any encounter, transcript or note, their own
included; the attending still co-signs what was signed (DESIGN 'Roles')."""

import pytest

from institutions.models import ResidentProfile
from templates_app.notes.services import note_edit
from templates_app.notes.signoff import note_sign

pytestmark = pytest.mark.django_db

STATUSES = [ResidentProfile.Status.GRADUATED, ResidentProfile.Status.INACTIVE]


def _end_residency(resident, status):
    ResidentProfile.objects.filter(user=resident).update(status=status)


@pytest.mark.parametrize("status", STATUSES)
def test_the_api_refuses_every_record_with_the_reason(client, resident, note, status):
    session_id = note.session_id
    _end_residency(resident, status)
    client.force_login(resident)
    calls = [
        client.get(f"/api/v1/notes/{note.pk}"),
        client.get(f"/api/v1/notes/{note.pk}/export?format=text"),
        client.get(f"/api/v1/transcription/sessions/{session_id}"),
        client.get(f"/api/v1/transcription/sessions/{session_id}/segments"),
        client.patch(
            f"/api/v1/notes/{note.pk}",
            {"sections": {"subjective": "x"}, "revision": 1},
            content_type="application/json",
        ),
        client.post(
            f"/api/v1/notes/{note.pk}/sign", {}, content_type="application/json"
        ),
    ]
    for response in calls:
        assert response.status_code == 403, response.content
        assert (
            "access has ended" in response.json()["detail"]
            or "inactive" in (response.json()["detail"])
        )
    assert client.get("/api/v1/notes").json()["count"] == 0
    assert client.get("/api/v1/transcription/sessions").json()["count"] == 0
    note.refresh_from_db()
    assert note.status == "draft"


def test_the_pages_refuse_too(client, resident, note):
    _end_residency(resident, ResidentProfile.Status.GRADUATED)
    client.force_login(resident)
    for path in (f"/notes/{note.pk}", f"/encounters/{note.session_id}"):
        response = client.get(path)
        assert response.status_code == 403
        assert b"access has ended" in response.content
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert b"Bed 4, cough" not in dashboard.content


def test_the_services_refuse_whoever_calls_them(resident, note):
    _end_residency(resident, ResidentProfile.Status.GRADUATED)
    from noumaris.common.errors import ForbiddenError

    with pytest.raises(ForbiddenError):
        note_edit(user=resident, note_id=note.pk, sections={"subjective": "x"})
    with pytest.raises(ForbiddenError):
        note_sign(user=resident, note_id=note.pk)


def test_another_institutions_note_stays_a_404(client, resident, riverside_note):
    _end_residency(resident, ResidentProfile.Status.GRADUATED)
    client.force_login(resident)
    # The same answer for an id that exists elsewhere and one that does not.
    assert client.get(f"/api/v1/notes/{riverside_note.pk}").status_code == 403
    assert client.get("/api/v1/notes/999999").status_code == 403


def test_an_active_resident_still_reads_their_note(client, resident, note):
    client.force_login(resident)
    assert client.get(f"/api/v1/notes/{note.pk}").status_code == 200
