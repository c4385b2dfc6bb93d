"""Personal API tokens (issue 27): an admin issues one to a person of their
institution; only its digest is stored; it works with curl-like calls; revoking it
is immediate; both are audited; another institution's admin cannot touch it."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import AuditLog
from institutions.services.api_tokens import api_token_issue, api_token_revoke
from noumaris.common.errors import NotFoundError

pytestmark = pytest.mark.django_db


def _api(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_an_admin_issues_a_token_that_is_hashed_at_rest_and_revocable(admin, resident):
    row, token = api_token_issue(actor=admin, user=resident)
    assert token.startswith("nmr_") and len(token) > 60
    stored = AuthToken.objects.get(pk=row.pk)
    assert token not in (stored.digest, stored.token_key)  # a SHA-512 digest only
    me = _api(token).get("/api/v1/me")
    assert me.status_code == 200 and me.json()["username"] == "resident"
    issued = AuditLog.objects.get(action="API_TOKEN_ISSUED")
    assert issued.actor_username == "admin" and token not in str(issued.details)
    api_token_revoke(actor=admin, token=stored)
    assert _api(token).get("/api/v1/me").status_code == 401
    assert AuditLog.objects.filter(action="API_TOKEN_REVOKED").count() == 1


def test_another_institutions_admin_can_neither_issue_nor_see_it(
    admin, riverside_admin, resident
):
    with pytest.raises(NotFoundError):
        api_token_issue(actor=riverside_admin, user=resident)
    row, _ = api_token_issue(actor=admin, user=resident)
    theirs = Client()
    theirs.force_login(riverside_admin)
    assert row.token_key not in theirs.get("/admin/knox/authtoken/").content.decode()
    assert theirs.get(f"/admin/knox/authtoken/{row.pk}/change/").status_code == 404
    mine = Client()
    mine.force_login(admin)
    assert row.token_key in mine.get("/admin/knox/authtoken/").content.decode()


def test_the_admin_page_shows_the_token_once(admin, resident):
    client = Client()
    client.force_login(admin)
    page = client.post(
        "/admin/knox/authtoken/add/", {"user": resident.pk, "days": 30}, follow=True
    ).content.decode()
    assert "shown this once: nmr_" in page
    token = page.split("shown this once: ")[1].split(" ")[0]
    assert _api(token).get("/api/v1/me").json()["username"] == "resident"


def test_the_command_prints_a_token_for_curl(admin, resident):
    out = io.StringIO()
    call_command("issue_api_token", "resident", "--by", "admin", stdout=out)
    token = out.getvalue().strip()
    assert _api(token).get("/api/v1/me").status_code == 200


def test_the_api_docs_explain_how_to_authenticate(client):
    schema = client.get("/api/schema/?format=json").json()
    description = schema["info"]["description"]
    assert "Authorization: Bearer" in description
    assert "Authorization: Token" in description and "issue_api_token" in description
    assert "curl" in description
    schemes = schema["components"]["securitySchemes"]
    assert any(
        s.get("scheme") == "bearer" or s.get("type") == "http" for s in schemes.values()
    )
    assert any("Token" in str(s) for s in schemes.values())
