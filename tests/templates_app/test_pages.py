"""The library, the note page, supervision, print and revisions, as a browser gets them."""

import pytest
from django.test import Client

from accounts.models import AuditLog
from templates_app.library import template_create_personal
from templates_app.models import ClinicalNote, NoteTemplate
from templates_app.notes.services import note_create, note_edit
from templates_app.notes.signoff import note_return, note_sign
from tests.templates_app.helpers import first_attestation, generate

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_library_lists_templates_with_search_and_filters(
    resident, seeded_templates
):
    client = client_for(resident)
    page = client.get("/templates/").content.decode()
    for name in [
        "SOAP note",
        "History and Physical",
        "Psychiatry intake",
        "Patient instructions",
    ]:
        assert name in page
    page = client.get("/templates/?q=discharge").content.decode()
    assert "Discharge summary" in page and "Psychiatry intake" not in page
    page = client.get("/templates/?tag=psychiatry").content.decode()
    assert "Psychiatry intake" in page and "SOAP note" not in page
    page = client.get("/templates/?specialty=Emergency+Medicine").content.decode()
    assert "ED note" in page and "SOAP note" not in page
    assert (
        "New personal template"
        in client_for(resident).get("/templates/").content.decode()
    )


def test_the_library_takes_a_constant_number_of_queries(
    resident, seeded_templates, django_assert_num_queries
):
    client = client_for(resident)
    client.get("/templates/")
    # session, user, the user's institution (twice: list and specialties),
    # specialties, feature check, tag counts, templates, their tags, their
    # sections (the session's idle renewal was done by the first request)
    with django_assert_num_queries(10):
        client.get("/templates/")
    template_create_personal(
        user=resident, name="Extra", sections=[{"title": "Only"}], tags=[]
    )
    with django_assert_num_queries(10):
        assert "Extra" in client.get("/templates/").content.decode()


def test_a_resident_creates_and_edits_a_personal_template(resident, seeded_templates):
    client = client_for(resident)
    response = client.post(
        "/templates/new",
        {
            "name": "Sports medicine follow-up",
            "specialty": "Sports Medicine",
            "title_0": "Injury",
            "section_instructions_0": "Mechanism and course.",
            "title_1": "Plan",
            "rows": "0",
        },
    )
    template = NoteTemplate.objects.get(name="Sports medicine follow-up")
    assert response.status_code == 302 and response.url == template.get_absolute_url()
    assert template.scope == "personal" and template.owner == resident
    assert [s.key for s in template.sections.all()] == ["injury", "plan"]
    response = client.post(
        f"/templates/{template.pk}/edit",
        {
            "name": "Sports follow-up",
            "title_0": "Injury",
            "title_1": "",
            "is_active": "on",
        },
    )
    template.refresh_from_db()
    assert template.version == 2 and template.sections.count() == 1


def test_a_template_needs_a_section(resident):
    response = client_for(resident).post("/templates/new", {"name": "Empty"})
    assert response.status_code == 200
    assert "at least one section" in response.content.decode()


def test_without_custom_templates_the_editor_says_why(resident2):
    response = client_for(resident2).get("/templates/new")
    assert response.status_code == 403
    assert "not been granted" in response.content.decode()


def test_another_residents_personal_template_is_not_found(resident, riverside_resident):
    theirs = template_create_personal(
        user=riverside_resident, name="Mine", sections=[{"title": "A"}]
    )
    assert client_for(resident).get(f"/templates/{theirs.pk}/").status_code == 404


def test_generate_note_from_an_encounter_opens_the_note(resident, encounter, soap):
    response = client_for(resident).post(
        "/notes/new", {"session": encounter.pk, "template": soap.pk}
    )
    note = ClinicalNote.objects.get()
    assert response.url == f"/notes/{note.pk}?generate=1"


def test_the_note_page_shows_sections_citations_and_the_transcript(
    note, resident, attending
):
    generate(note, resident)
    note_edit(
        user=resident,
        note_id=note.pk,
        sections={"assessment": "Pneumonia. [S22] [S99]"},
    )
    page = client_for(resident).get(f"/notes/{note.pk}").content.decode()
    assert 'data-seqs="22"' in page  # a citation that points at the transcript
    assert "S99 ⚠" in page and "not evidence" in page  # one that does not
    assert 'id="seg-22"' in page and "community acquired pneumonia" in page
    assert "Sign note" in page and 'name="confirm"' in page
    assert "Alan Attending" in page  # the attending to pick
    assert "What the machine drafted" in page  # the edited section compares


def test_signing_from_the_page_needs_the_confirmation(note, resident, attending):
    generate(note, resident)
    client = client_for(resident)
    client.post(f"/notes/{note.pk}/sign", {"supervisor": attending.pk})
    note.refresh_from_db()
    assert note.status == "draft"
    client.post(
        f"/notes/{note.pk}/sign", {"supervisor": attending.pk, "confirm": "yes"}
    )
    note.refresh_from_db()
    assert note.status == "signed"
    page = client.get(f"/notes/{note.pk}").content.decode()
    assert "Awaiting co-signature by Alan Attending" in page and "Sign note" not in page


def test_the_attending_cosigns_from_the_queue(note, resident, attending):
    generate(note, resident)
    note_sign(user=resident, note_id=note.pk, supervisor_id=attending.pk)
    client = client_for(attending)
    queue = client.get("/supervision/").content.decode()
    assert f'href="/notes/{note.pk}"' in queue and "Rosa Resident" in queue
    page = client.get(f"/notes/{note.pk}").content.decode()
    assert "Co-sign note" in page and "Return with comment" in page
    assert AuditLog.objects.filter(action="NOTE_VIEWED", actor=attending).exists()
    response = client.post(
        f"/notes/{note.pk}/cosign", {"attestation": first_attestation(note)}
    )
    assert response.url == "/supervision/"
    note.refresh_from_db()
    assert note.status == "cosigned"


def test_the_attending_returns_a_note_with_a_comment(note, resident, attending):
    generate(note, resident)
    note_sign(user=resident, note_id=note.pk, supervisor_id=attending.pk)
    client_for(attending).post(f"/notes/{note.pk}/return", {"comment": "Add vitals."})
    page = client_for(resident).get(f"/notes/{note.pk}").content.decode()
    assert "Returned by Alan Attending" in page and "Add vitals." in page


def test_cosigning_a_draft_says_it_needs_the_signature(note, resident, attending):
    generate(note, resident)
    note_sign(user=resident, note_id=note.pk, supervisor_id=attending.pk)
    note_return(user=attending, note_id=note.pk, comment="Fix")
    client = client_for(attending)
    response = client.post(f"/notes/{note.pk}/cosign", follow=True)
    assert "must sign the note before" in response.content.decode()


@pytest.mark.parametrize(
    "outsider", ["riverside_resident", "riverside_admin", "resident2", "admin"]
)
def test_outsiders_get_404_on_every_note_page(note, resident, outsider, request):
    generate(note, resident)
    client = client_for(request.getfixturevalue(outsider))
    for path in ["", "/print", "/revisions"]:
        assert client.get(f"/notes/{note.pk}{path}").status_code in (403, 404)
    assert client.get(f"/notes/{note.pk}").status_code == 404
    assert client.post(f"/notes/{note.pk}/cosign").status_code == 404
    assert client.post(f"/notes/{note.pk}/sign", {"confirm": "yes"}).status_code == 404


def test_print_view_and_revision_compare(note, resident):
    generate(note, resident)
    note_edit(user=resident, note_id=note.pk, sections={"plan": "Rest. [S24]"})
    client = client_for(resident)
    printed = client.get(f"/notes/{note.pk}/print").content.decode()
    # Paper has no transcript: the print carries no [S12] codes.
    assert "DRAFT, not signed" in printed and "Rest." in printed
    assert "[S24]" not in printed and "[S" not in printed
    assert AuditLog.objects.filter(action="NOTE_EXPORTED").exists()
    compare = client.get(f"/notes/{note.pk}/revisions?a=1&b=2").content.decode()
    assert '<ins class="diff-ins">Rest. [S24]</ins>' in compare
    assert '<del class="diff-del">' in compare


def test_the_queue_lists_in_a_constant_number_of_queries(
    resident, attending, soap, django_assert_max_num_queries
):
    from tests.templates_app.conftest import record_encounter

    for _ in range(3):
        session = record_encounter(resident)
        note = note_create(user=resident, session_id=session.pk, template_id=soap.pk)
        generate(note, resident)
        note_sign(user=resident, note_id=note.pk, supervisor_id=attending.pk)
    client = client_for(attending)
    client.get("/supervision/")
    # session, user, the waiting notes with their authors, encounters and deadline
    # (one join), the recently co-signed or returned ones with theirs
    with django_assert_max_num_queries(4):
        assert client.get("/supervision/").content.decode().count("Review") >= 3


def test_the_attending_reads_which_sections_changed_in_a_plain_list(
    note, resident, attending
):
    import re

    generate(note, resident)
    note_edit(
        user=resident,
        note_id=note.pk,
        sections={"assessment": "Pneumonia. [S22]"},
        base_revision=note.revisions.order_by("-number").first().number,
    )
    note_sign(user=resident, note_id=note.pk, supervisor_id=attending.pk)
    text = client_for(attending).get(f"/notes/{note.pk}").content.decode()
    sentence = re.search(r"changed after the machine draft: (.*?)\. Each", text).group(
        1
    )
    assert re.sub(r"<[^>]+>", "", sentence) == "Assessment"
