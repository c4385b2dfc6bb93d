"""Each person lands where their work is, and the navigation offers only what they
do (issue 27): a resident records, an attending co-signs, an admin runs a program,
a superadmin runs the platform and reads no patient's encounter."""

import pytest
from django.test import Client

from institutions.roles import user_roles

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
