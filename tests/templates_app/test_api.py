"""The templates and notes API, as integrators call it."""

import base64

import httpx
import pytest
from fhir.resources.R4B.documentreference import DocumentReference
from rest_framework.test import APIClient

from accounts.models import AuditLog
from templates_app.library import template_create_personal
from templates_app.models import ClinicalNote
from templates_app.notes.services import note_create, note_edit
from templates_app.notes.signoff import note_cosign, note_sign
from tests.templates_app.conftest import record_encounter
from tests.templates_app.helpers import first_attestation, generate, parse_sse


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_templates_come_with_their_tags_in_a_constant_number_of_queries(
    resident, seeded_templates, django_assert_num_queries
):
    client = api_for(resident)
    client.get("/api/v1/templates")
    # session, user, the user's institution, count, templates, their tags, their
    # sections (the session's idle renewal was done by the first request)
    with django_assert_num_queries(7):
        body = client.get("/api/v1/templates?page_size=100").json()
    assert body["count"] == 9
    soap = next(t for t in body["results"] if t["name"] == "SOAP note")
    assert {t["slug"] for t in soap["tags"]} >= {"outpatient", "general"}
    assert [s["key"] for s in soap["sections"]] == [
        "subjective",
        "objective",
        "assessment",
        "plan",
    ]
    template_create_personal(user=resident, name="Mine", sections=[{"title": "Only"}])
    with django_assert_num_queries(7):
        assert client.get("/api/v1/templates?page_size=100").json()["count"] == 10


@pytest.mark.django_db
def test_tags_list_counts_active_templates(resident, seeded_templates):
    tags = {t["slug"]: t for t in api_for(resident).get("/api/v1/tags").json()}
    assert tags["psychiatry"]["template_count"] == 1


@pytest.mark.django_db
def test_a_personal_template_through_the_api(resident):
    client = api_for(resident)
    response = client.post(
        "/api/v1/templates",
        {"name": "Wound check", "sections": [{"title": "Wound"}, {"title": "Plan"}]},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["scope"] == "personal"
    duplicate = client.post(
        "/api/v1/templates",
        {
            "name": "Bad",
            "sections": [{"title": "A", "key": "a"}, {"title": "B", "key": "a"}],
        },
        format="json",
    )
    assert duplicate.status_code == 422
    assert "Two sections have the key 'a'." in duplicate.json()["errors"]["sections"]


@pytest.mark.django_db
def test_draft_generate_edit_sign_cosign_through_the_api(
    resident, attending, encounter, soap, django_capture_on_commit_callbacks
):
    client = api_for(resident)
    created = client.post(
        "/api/v1/notes", {"session": encounter.pk, "template": soap.pk}, format="json"
    )
    assert created.status_code == 201
    note_id = created.json()["id"]
    # The job answers at once; on commit it runs (here in place: the test backend).
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/api/v1/notes/{note_id}/generate", {}, format="json")
    assert started.status_code == 202
    job = started.json()
    assert job["events"] == f"/api/v1/notes/{note_id}/jobs/{job['id']}/events"
    response = client.get(job["events"])
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"].startswith("no-cache")
    events = parse_sse(b"".join(response))
    assert [n for n, _ in events][0] == "queued"
    assert [n for n, _ in events][-1] == "done"
    finished = client.get(f"/api/v1/notes/{note_id}/jobs/{job['id']}").json()
    assert finished["status"] == "complete"
    # every event had: nothing more to stream, and EventSource stops rejoining
    last = {"HTTP_LAST_EVENT_ID": str(finished["last_event_id"])}
    assert client.get(job["events"], **last).status_code == 204
    # a Last-Event-ID that is no number replays from the start (a digit of another
    # script is no number either)
    again = client.get(job["events"], HTTP_LAST_EVENT_ID="²")
    assert again.status_code == 200
    assert [n for n, _ in parse_sse(b"".join(again))][-1] == "done"

    note = client.get(f"/api/v1/notes/{note_id}").json()
    plan = next(s for s in note["sections"] if s["key"] == "plan")
    assert 23 in plan["cited"] and plan["unverified"] == []
    assert note["engine_label"]["name"] == "Organised by the offline drafter"
    assert "does not write clinical reasoning" in note["engine_label"]["description"]

    patched = client.patch(
        f"/api/v1/notes/{note_id}",
        {
            "sections": {"plan": "Doxycycline 100 mg. [S23] Made up. [S404]"},
            "revision": note["revision"],
        },
        format="json",
    ).json()
    plan = next(s for s in patched["sections"] if s["key"] == "plan")
    assert plan["cited"] == [23] and plan["unverified"] == [404]
    assert plan["edited"] is True
    assert patched["revision"] == note["revision"] + 1
    (flag,) = [f for f in patched["flags"] if f["status"] == "open"]
    assert flag["kind"] == "missing_segment" and flag["seqs"] == [404]
    assert patched["open_flags"] == 1

    # an open flag blocks signing, with the reason
    refused = client.post(
        f"/api/v1/notes/{note_id}/sign", {"supervisor": attending.pk}, format="json"
    )
    assert refused.status_code == 409
    assert refused.json()["open_flags"] == 1
    assert "must be resolved before signing" in refused.json()["detail"]
    confirmed = client.post(f"/api/v1/notes/{note_id}/flags/{flag['id']}/confirm")
    assert confirmed.json()["open_flags"] == 0
    assert confirmed.json()["flags"][0]["resolved_by"]["username"] == "resident"
    assert "NOTE_FLAG_CONFIRMED" in set(
        AuditLog.objects.values_list("action", flat=True)
    )

    signed = client.post(
        f"/api/v1/notes/{note_id}/sign", {"supervisor": attending.pk}, format="json"
    )
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    again = client.patch(
        f"/api/v1/notes/{note_id}",
        {"sections": {"plan": "x"}, "revision": signed.json()["revision"]},
        format="json",
    )
    assert again.status_code == 409
    assert again.json() == {
        "detail": "This note is signed; a signed note cannot be edited."
    }

    cosigned = api_for(attending).post(
        f"/api/v1/notes/{note_id}/cosign",
        {"attestation": first_attestation(ClinicalNote.objects.get(pk=note_id))},
        format="json",
    )
    assert cosigned.json()["status"] == "cosigned"
    revisions = client.get(f"/api/v1/notes/{note_id}/revisions").json()
    assert [r["kind"] for r in revisions] == ["generated", "edited"]


@pytest.mark.django_db
def test_a_stale_edit_answers_409_with_both_texts_and_saves_nothing(note, resident):
    generate(note, resident)
    client = api_for(resident)
    opened = client.get(f"/api/v1/notes/{note.pk}").json()
    first = client.patch(
        f"/api/v1/notes/{note.pk}",
        {"sections": {"plan": "First tab. [S23]"}, "revision": opened["revision"]},
        format="json",
    )
    assert first.status_code == 200
    second = client.patch(
        f"/api/v1/notes/{note.pk}",
        {"sections": {"plan": "Second tab. [S24]"}, "revision": opened["revision"]},
        format="json",
    )
    assert second.status_code == 409
    body = second.json()
    assert body["conflicts"] == {
        "plan": {"yours": "Second tab. [S24]", "theirs": "First tab. [S23]"}
    }
    assert body["revision"] == first.json()["revision"]
    assert "Plan changed after you opened it" in body["detail"]
    note.refresh_from_db()
    assert note.sections["plan"] == "First tab. [S23]"
    # another section, untouched since that revision, still saves
    other = client.patch(
        f"/api/v1/notes/{note.pk}",
        {"sections": {"subjective": "Cough. [S2]"}, "revision": opened["revision"]},
        format="json",
    )
    assert other.status_code == 200
    missing = client.patch(
        f"/api/v1/notes/{note.pk}", {"sections": {"plan": "x"}}, format="json"
    )
    assert missing.status_code == 422 and "revision" in missing.json()["errors"]


@pytest.mark.django_db
def test_an_outsider_cannot_confirm_a_flag(note, resident, riverside_resident):
    generate(note, resident)
    note_edit(user=resident, note_id=note.pk, sections={"plan": "Made up. [S404]"})
    flag = note.flags.get()
    response = api_for(riverside_resident).post(
        f"/api/v1/notes/{note.pk}/flags/{flag.pk}/confirm"
    )
    assert response.status_code == 404
    flag.refresh_from_db()
    assert flag.status == "open"


@pytest.mark.django_db
def test_signing_needs_a_supervisor_of_the_same_institution(
    note, resident, riverside_admin
):
    generate(note, resident)
    client = api_for(resident)
    missing = client.post(f"/api/v1/notes/{note.pk}/sign", {}, format="json")
    assert missing.status_code == 422
    outsider = client.post(
        f"/api/v1/notes/{note.pk}/sign",
        {"supervisor": riverside_admin.pk},
        format="json",
    )
    assert outsider.status_code == 404


@pytest.mark.django_db
def test_exports_strip_citations_and_fhir_validates(note, resident, attending):
    generate(note, resident)
    note_sign(user=resident, note_id=note.pk, supervisor_id=attending.pk)
    note_cosign(user=attending, note_id=note.pk, attestation_id=first_attestation(note))
    client = api_for(resident)
    text = client.get(f"/api/v1/notes/{note.pk}/export?format=text")
    assert text["Content-Type"].startswith("text/plain")
    # A download, not a page that replaces the note in the browser.
    assert text["Content-Disposition"] == f'attachment; filename="note-{note.pk}.txt"'
    body = text.content.decode()
    assert body.startswith("SOAP NOTE\nSigned by Rosa Resident")
    assert "Co-signed by Alan Attending" in body
    assert "doxycycline" in body and "[S" not in body
    kept = client.get(f"/api/v1/notes/{note.pk}/export?format=markdown&citations=1")
    assert kept["Content-Type"].startswith("text/markdown")
    assert "## Plan" in kept.content.decode() and "[S23]" in kept.content.decode()

    fhir = client.get(f"/api/v1/notes/{note.pk}/export?format=fhir")
    assert fhir["Content-Type"].startswith("application/fhir+json")
    resource = DocumentReference.model_validate(fhir.json())
    assert resource.status == "current" and resource.docStatus == "final"
    assert resource.type.coding[0].code == "11506-3"
    assert resource.authenticator.display == "Alan Attending"
    attachment = fhir.json()["content"][0]["attachment"]
    assert attachment["contentType"] == "text/markdown"
    assert "## Assessment" in base64.b64decode(attachment["data"]).decode()
    formats = list(
        AuditLog.objects.filter(action="NOTE_EXPORTED")
        .values_list("details__format", flat=True)
        .order_by("id")
    )
    assert formats == ["text", "markdown", "fhir"]
    assert client.get(f"/api/v1/notes/{note.pk}/export?format=pdf").status_code == 422


@pytest.mark.django_db
def test_a_draft_exports_as_preliminary(note, resident):
    generate(note, resident)
    fhir = api_for(resident).get(f"/api/v1/notes/{note.pk}/export?format=fhir").json()
    assert fhir["docStatus"] == "preliminary"


@pytest.mark.django_db
def test_the_notes_list_is_paginated_in_a_constant_number_of_queries(
    resident, soap, django_assert_num_queries
):
    for _ in range(3):
        session = record_encounter(resident)
        note_create(user=resident, session_id=session.pk, template_id=soap.pk)
    client = api_for(resident)
    client.get("/api/v1/notes")
    # session, user, count, the page with authors, supervisors and encounters
    with django_assert_num_queries(4):
        body = client.get("/api/v1/notes?page_size=2").json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


def sign_in(http: httpx.Client, base: str, username: str, password: str) -> str:
    """Sign in through the live server's login form; return the CSRF token."""
    http.get(base + "/login")
    response = http.post(
        base + "/login",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": http.cookies["csrftoken"],
        },
        headers={"Referer": base + "/login"},
    )
    assert response.status_code == 302, response.text[:2000]
    return http.cookies["csrftoken"]
