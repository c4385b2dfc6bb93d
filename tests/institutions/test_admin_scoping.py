"""The admin is scoped: an institution admin sees only their own institution's rows,
in change lists, change views by id, search, filters, actions and autocomplete."""

import json

import pytest
from django.urls import reverse

from accounts.models import AuditLog
from accounts.services import audit_record
from institutions.models import ResidentProfile
from tests.factories import (
    FacultyFactory,
    InvitationFactory,
    ResidentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_tenants(
    admin,
    resident,
    attending,
    riverside_admin,
    riverside_resident,
    riverside,
    superadmin,
):
    """One row of every registered model in each institution; return Riverside's."""
    demo = resident.resident_profile.institution
    InvitationFactory(institution=demo, email="demo-invitee@example.org")
    other_faculty = FacultyFactory(
        institution=riverside,
        user=UserFactory(username="rfaculty", email="riverside-faculty@example.org"),
    )
    other_invitation = InvitationFactory(
        institution=riverside, email="riverside-invitee@example.org"
    )
    audit_record(actor=admin, action="DEMO_THING", institution=demo)
    other_audit = audit_record(
        actor=riverside_admin, action="RIVERSIDE_THING", institution=riverside
    )
    return {
        "institution": (riverside, "Riverside Medical Center"),
        "residentprofile": (
            riverside_resident.resident_profile,
            "riverside-resident@example.org",
        ),
        "institutionadmin": (
            riverside_admin.institution_admin,
            "riverside-admin@example.org",
        ),
        "facultyprofile": (other_faculty, "riverside-faculty@example.org"),
        "invitation": (other_invitation, "riverside-invitee@example.org"),
        "featuregrant": (
            riverside_resident.feature_grants.first(),
            "Rory Rivers",
        ),
        "auditlog": (other_audit, "RIVERSIDE_THING"),
    }


SCOPED = [
    ("institutions", "institution", "Demo General Hospital"),
    ("institutions", "residentprofile", "resident@example.org"),
    ("institutions", "institutionadmin", "admin@example.org"),
    ("institutions", "facultyprofile", "attending@example.org"),
    ("institutions", "invitation", "demo-invitee@example.org"),
    ("institutions", "featuregrant", "Rosa Resident"),
    ("accounts", "auditlog", "DEMO_THING"),
]


@pytest.mark.parametrize(("app", "model", "own_marker"), SCOPED)
def test_an_admin_sees_only_their_institution_in_every_change_list(
    client, admin, two_tenants, app, model, own_marker
):
    client.force_login(admin)
    # (an admin's institution list goes straight to their institution's page)
    response = client.get(reverse(f"admin:{app}_{model}_changelist"), follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert own_marker in text
    _, other_marker = two_tenants[model]
    assert other_marker not in text
    assert "Riverside" not in text


@pytest.mark.parametrize(("app", "model", "own_marker"), SCOPED)
def test_another_institutions_object_by_id_is_a_404(
    client, admin, two_tenants, app, model, own_marker
):
    client.force_login(admin)
    other, _ = two_tenants[model]
    for view in ("change", "history"):
        url = reverse(f"admin:{app}_{model}_{view}", args=[other.pk])
        assert client.get(url).status_code == 404, (model, view)


@pytest.mark.parametrize(("app", "model", "own_marker"), SCOPED)
def test_search_does_not_reach_another_institution(
    client, admin, two_tenants, app, model, own_marker
):
    client.force_login(admin)
    _, other_marker = two_tenants[model]
    response = client.get(
        reverse(f"admin:{app}_{model}_changelist"), {"q": "riverside"}, follow=True
    )
    assert response.status_code == 200
    assert other_marker not in response.content.decode()


@pytest.mark.parametrize(("app", "model", "own_marker"), SCOPED)
def test_a_superadmin_sees_both_institutions(
    client, superadmin, two_tenants, app, model, own_marker
):
    client.force_login(superadmin)
    text = client.get(reverse(f"admin:{app}_{model}_changelist")).content.decode()
    _, other_marker = two_tenants[model]
    assert own_marker in text and other_marker in text
    other, _ = two_tenants[model]
    url = reverse(f"admin:{app}_{model}_change", args=[other.pk])
    assert client.get(url).status_code == 200


def test_the_institution_filter_is_for_superadmins_only(client, admin, two_tenants):
    client.force_login(admin)
    text = client.get(
        reverse("admin:institutions_residentprofile_changelist")
    ).content.decode()
    assert "By institution" not in text
    assert "By status" in text and "By PGY" in text


@pytest.mark.parametrize("model", ["feature", "physicianprofile"])
def test_superadmin_only_pages_are_closed_to_institution_admins(
    client, admin, physician, model
):
    client.force_login(admin)
    assert (
        client.get(reverse(f"admin:institutions_{model}_changelist")).status_code == 403
    )
    index = client.get(reverse("admin:index")).content.decode()
    assert "Physicians" not in index and "Features" not in index


def test_actions_ignore_another_institutions_rows(client, admin, two_tenants, resident):
    client.force_login(admin)
    other = two_tenants["residentprofile"][0]
    response = client.post(
        reverse("admin:institutions_residentprofile_changelist"),
        {
            "action": "graduate",
            "_selected_action": [resident.resident_profile.pk, other.pk],
        },
    )
    assert response.status_code == 302
    assert ResidentProfile.objects.get(pk=other.pk).status == "active"
    assert ResidentProfile.objects.get(user=resident).status == "graduated"
    assert AuditLog.objects.filter(action="RESIDENT_GRADUATED").count() == 1


def test_invitation_actions_ignore_another_institutions_rows(
    client, admin, two_tenants
):
    client.force_login(admin)
    other = two_tenants["invitation"][0]
    client.post(
        reverse("admin:institutions_invitation_changelist"),
        {"action": "revoke", "_selected_action": [other.pk]},
    )
    other.refresh_from_db()
    assert other.status == "pending"


def test_autocomplete_returns_only_the_admins_institution(
    client, riverside_admin, two_tenants, demo_hospital
):
    client.force_login(riverside_admin)
    response = client.get(
        "/admin/autocomplete/",
        {
            "app_label": "institutions",
            "model_name": "residentprofile",
            "field_name": "institution",
            "term": "",
        },
    )
    assert response.status_code == 200
    names = [r["text"] for r in json.loads(response.content)["results"]]
    assert names == ["Riverside Medical Center"]
    response = client.get(
        "/admin/autocomplete/",
        {
            "app_label": "institutions",
            "model_name": "residentprofile",
            "field_name": "institution",
            "term": "Demo",
        },
    )
    assert json.loads(response.content)["results"] == []


def test_autocomplete_of_people_is_closed_to_institution_admins(
    client, admin, two_tenants
):
    client.force_login(admin)
    response = client.get(
        "/admin/autocomplete/",
        {
            "app_label": "institutions",
            "model_name": "physicianprofile",
            "field_name": "user",
            "term": "r",
        },
    )
    assert response.status_code == 403


def test_residents_and_physicians_cannot_open_the_admin(client, resident, physician):
    for user in (resident, physician):
        client.force_login(user)
        response = client.get(reverse("admin:institutions_residentprofile_changelist"))
        assert response.status_code == 302  # to the admin's sign-in


def test_the_residents_change_list_costs_the_same_for_5_or_40_residents(
    client, admin, demo_hospital, django_assert_max_num_queries
):
    client.force_login(admin)
    url = reverse("admin:institutions_residentprofile_changelist")

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    ResidentFactory.create_batch(5, institution=demo_hospital, granted=["note_export"])
    client.get(url)  # the session's idle renewal (once a minute) is done
    few = count()
    ResidentFactory.create_batch(35, institution=demo_hospital, granted=["note_export"])
    assert count() == few
    # session; user with their admin membership (institutions/backends.py); its
    # institution (the title); count; the user's and groups' permissions (the
    # sidebar asks the auth app's admins); whether the institution has its
    # supervision policy (the sidebar's Supervision policies); the residents page;
    # their active grants (one prefetch); distinct PGYs and specialties (filters)
    with django_assert_max_num_queries(11):
        client.get(url)
