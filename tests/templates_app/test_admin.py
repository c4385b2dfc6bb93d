"""Templates in the Django admin: institution admins manage their own institution's."""

import pytest
from django.test import Client

from templates_app.models import NoteTemplate

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def institution_template(institution, name="Cardiology clinic"):
    return NoteTemplate.objects.create(
        name=name,
        slug="cardiology-clinic",
        scope=NoteTemplate.Scope.INSTITUTION,
        institution=institution,
    )


def add_form(name):
    return {
        "name": name,
        "description": "",
        "specialty": "Cardiology",
        "instructions": "Brief.",
        "audience": "chart",
        "is_active": "on",
        "sections-TOTAL_FORMS": "1",
        "sections-INITIAL_FORMS": "0",
        "sections-MIN_NUM_FORMS": "0",
        "sections-MAX_NUM_FORMS": "1000",
        "sections-0-position": "0",
        "sections-0-key": "history",
        "sections-0-title": "History",
        "sections-0-instructions": "",
    }


def test_an_institution_admin_lists_only_their_institutions_templates(
    admin, riverside, demo_hospital, soap
):
    ours = institution_template(demo_hospital, "Ours")
    theirs = institution_template(riverside, "Theirs")
    client = client_for(admin)
    page = client.get("/admin/templates_app/notetemplate/").content.decode()
    assert "Ours" in page and "Theirs" not in page and "SOAP note" not in page
    assert (
        client.get(f"/admin/templates_app/notetemplate/{ours.pk}/change/").status_code
        == 200
    )
    assert (
        client.get(f"/admin/templates_app/notetemplate/{theirs.pk}/change/").status_code
        == 404
    )
    assert (
        client.get(f"/admin/templates_app/notetemplate/{soap.pk}/change/").status_code
        == 404
    )


def test_an_institution_admins_template_belongs_to_their_institution(
    admin, demo_hospital
):
    response = client_for(admin).post(
        "/admin/templates_app/notetemplate/add/", add_form("Heart failure clinic")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    template = NoteTemplate.objects.get(name="Heart failure clinic")
    assert template.scope == "institution" and template.institution == demo_hospital
    assert template.slug == "heart-failure-clinic" and template.version == 1
    assert [s.key for s in template.sections.all()] == ["history"]


def test_editing_a_template_in_the_admin_bumps_its_version(admin, demo_hospital):
    template = institution_template(demo_hospital)
    form = add_form("Cardiology clinic v2")
    client_for(admin).post(
        f"/admin/templates_app/notetemplate/{template.pk}/change/", form
    )
    template.refresh_from_db()
    assert template.name == "Cardiology clinic v2" and template.version == 2


def test_residents_and_faculty_have_no_template_admin(resident, attending):
    for user in (resident, attending):
        response = client_for(user).get("/admin/templates_app/notetemplate/")
        assert response.status_code in (302, 403)


def test_a_superadmin_sees_every_template(superadmin, riverside, soap):
    institution_template(riverside, "Theirs")
    page = client_for(superadmin).get("/admin/templates_app/notetemplate/").content
    assert b"Theirs" in page and b"SOAP note" in page
