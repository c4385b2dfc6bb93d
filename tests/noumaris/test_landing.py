"""Each person lands where their work is, and the navigation offers only what they
do (issue 27): a resident records, an attending co-signs, an admin runs a program,
a superadmin runs the platform and reads no patient's encounter."""

import pytest
from django.test import Client

from institutions.roles import user_roles
from templates_app.library import template_seed_global
from templates_app.notes.services import note_create

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _nav(html: str) -> str:
    return html.split('<nav class="mainnav"')[1].split("</nav>")[0]


def test_a_superadmin_lands_on_the_platform_admin_and_records_nothing(superadmin):
    client = _client(superadmin)
    assert client.get("/").url == "/admin/"
    page = client.get("/encounters/new").content.decode()
    assert "Superadmins run the platform" in page
    assert "Ask your program administrator" not in page  # nobody to ask
    nav = _nav(page)
    assert ">Record<" not in nav and ">Supervision<" not in nav
    assert ">Admin<" in nav
    api = client.post("/api/v1/transcription/tickets")
    assert api.status_code == 403
    assert api.json()["detail"].startswith("Superadmins run the platform")


def test_the_roles_are_read_in_one_query(
    resident, attending, admin, superadmin, physician, django_assert_num_queries
):
    with django_assert_num_queries(1):  # the user with each profile as an EXISTS
        roles = user_roles(user=resident)
    assert roles["resident"] and roles["records"] and not roles["faculty"]
    assert user_roles(user=physician)["records"]
    assert not user_roles(user=attending)["records"]
    assert user_roles(user=attending)["faculty"]
    assert user_roles(user=admin)["admin"] and not user_roles(user=admin)["records"]
    assert user_roles(user=superadmin) == {
        "resident": False,
        "physician": False,
        "faculty": False,
        "admin": False,
        "superadmin": True,
        "records": False,
    }


def test_each_person_lands_where_their_work_is(
    resident, attending, admin, physician, demo_hospital
):
    assert _client(resident).get("/").status_code == 200  # their encounters
    assert _client(physician).get("/").status_code == 200
    assert _client(attending).get("/").url == "/supervision/"
    assert _client(admin).get("/").url == "/program/"
    program = _client(admin).get("/program/")
    assert program.url == f"/admin/institutions/institution/{demo_hospital.pk}/change/"


def test_an_attending_who_does_not_record_is_not_offered_recording(attending):
    page = _client(attending).get("/supervision/").content.decode()
    nav = _nav(page)
    assert ">Supervision<" in nav
    assert ">Record<" not in nav and ">Encounters<" not in nav
    assert "not available" not in page


def test_the_program_page_shows_the_backlog_and_links_the_directors_view(
    admin, resident, attending, demo_hospital
):
    import datetime as dt

    from django.utils import timezone

    from templates_app.models import ClinicalNote
    from templates_app.seed_data import SOAP
    from tests.templates_app.conftest import record_encounter
    from tests.templates_app.supervision_helpers import signed

    soap = template_seed_global(spec=SOAP)[0]
    for _ in range(2):
        note = note_create(
            user=resident, session_id=record_encounter(resident).pk, template_id=soap.pk
        )
        signed(note, resident, attending)
    ClinicalNote.objects.filter(pk=note.pk).update(
        signed_at=timezone.now() - dt.timedelta(days=3)
    )
    page = _client(admin).get("/program/", follow=True).content.decode()
    backlog = page.split("<h2>Supervision</h2>")[1].split("</div>")[0]
    assert "Notes waiting for co-signature <strong>2</strong>" in backlog
    assert "Overdue <strong>1</strong>" in backlog
    assert 'href="/admin/institutions/supervisionpolicy/director/"' in backlog
    assert ">Program director&#x27;s view<" in backlog or (
        ">Program director's view<" in backlog
    )
    director = _client(admin).get("/program/director/", follow=True)
    assert director.status_code == 200
    assert "Program director" in director.content.decode()


def test_the_program_page_is_for_admins(resident, attending):
    assert _client(resident).get("/program/").status_code == 404
    assert _client(attending).get("/program/").status_code == 404
