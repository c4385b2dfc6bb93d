"""Adding an admin has one answer everywhere: an admin invitation, accepted by the
person it names. No interface turns an existing account into an admin on its own,
so none looks an account up and none can say whose it is or where it belongs."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import AuditLog
from institutions.models import Institution, InstitutionAdmin, Invitation
from institutions.services.invitation_accept import invitation_accept
from institutions.services.invitations import invitation_create
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db

V1 = "/api/v1/admin/"
ADD = reverse("admin:institutions_institutionadmin_add")


def _api(user) -> APIClient:
    api = APIClient()
    api.force_login(user)
    return api


def _add_by_api(user, institution, email):
    if user.is_superadmin:
        url = f"{V1}superadmin/institutions/{institution.pk}/admins"
    else:
        url = f"{V1}institution/admins"
    return _api(user).post(url, {"email": email}, format="json")


def _add_by_admin_site(client, user, institution, email):
    client.force_login(user)
    data = {"email": email}
    if user.is_superadmin:
        data["institution"] = institution.pk
    return client.post(ADD, data, follow=True)


@pytest.mark.parametrize("who", ["admin", "superadmin"])
def test_every_interface_adds_an_existing_account_by_invitation(
    request, who, client, demo_hospital, alice
):
    actor = request.getfixturevalue(who)
    api = _add_by_api(actor, demo_hospital, "ALICE@example.org")
    assert api.status_code == 201, api.content
    assert api.json()["role"] == "admin"
    Invitation.objects.all().delete()
    page = _add_by_admin_site(client, actor, demo_hospital, "alice@example.org")
    assert page.status_code == 200
    assert "Admin invitation sent to alice@example.org" in page.content.decode()
    # alice has an account, and still is not an admin until she accepts
    assert not InstitutionAdmin.objects.filter(user=alice).exists()
    assert list(
        AuditLog.objects.filter(action__startswith="ADMIN_").values_list(
            "action", flat=True
        )
    ) == ["ADMIN_INVITED", "ADMIN_INVITED"]


def test_an_existing_account_becomes_an_admin_by_accepting(admin, demo_hospital, alice):
    invitation = invitation_create(
        actor=admin, institution=demo_hospital, email=alice.email, role="admin"
    )
    invitation_accept(token=invitation.token, user=alice)
    alice.refresh_from_db()
    assert alice.is_staff and alice.institution_admin.institution == demo_hospital


@pytest.mark.parametrize("other", ["riverside_resident", "riverside_admin"])
def test_naming_another_institutions_person_says_nothing_about_them(
    request, other, client, admin, demo_hospital
):
    person = request.getfixturevalue(other)
    page = _add_by_admin_site(client, admin, demo_hospital, person.email)
    page = page.content.decode()
    assert f"Admin invitation sent to {person.email}" in page
    Invitation.objects.all().delete()
    theirs = _add_by_api(admin, demo_hospital, person.email)
    nobody = _add_by_api(admin, demo_hospital, "nobody@example.org")
    assert theirs.status_code == nobody.status_code == 201
    assert theirs.json().keys() == nobody.json().keys()
    for text in (str(theirs.json()), page):
        assert "Riverside" not in text
        assert "resident at" not in text and "an institution admin" not in text
        assert f"{person.username} " not in text


def test_an_admin_seat_is_checked_the_same_way_everywhere(client, admin, demo_hospital):
    Institution.objects.filter(pk=demo_hospital.pk).update(max_admins=2)
    InvitationFactory(institution=demo_hospital, role="admin")
    api = _add_by_api(admin, demo_hospital, "one@example.org")
    assert api.status_code == 409
    message = (
        "No admin seat left at Demo General Hospital: 1 admins and 1 pending "
        "admin invitations use all 2 seats."
    )
    assert api.json() == {"detail": message}
    page = _add_by_admin_site(client, admin, demo_hospital, "two@example.org")
    assert message in page.content.decode()
