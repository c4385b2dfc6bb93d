"""/invite/<token>: every outcome has a clear page, and looking changes nothing."""

import datetime as dt

import pytest
from django.http import HttpRequest
from django.utils import timezone

from institutions.models import Invitation, ResidentProfile
from tests.factories import InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(demo_hospital, admin):
    return InvitationFactory(
        institution=demo_hospital,
        email="newbie@example.org",
        token="tok-valid",
        pgy_level=2,
        invited_by=admin,
    )


def _text(response):
    return response.content.decode()


def test_a_valid_invitation_shows_institution_and_role(client, invitation):
    response = client.get("/invite/tok-valid")
    assert response.status_code == 200
    assert "Join Demo General Hospital" in _text(response)
    assert "a PGY-2 resident" in _text(response)
    assert "Create your account" in _text(response)


def test_an_anonymous_visitor_creates_an_account_and_joins(
    client, invitation, password
):
    response = client.post(
        "/invite/tok-valid",
        {
            "username": "newbie",
            "first_name": "Nia",
            "last_name": "Newbie",
            "password": password,
            "password_again": password,
        },
    )
    assert response.status_code == 302 and response.url == "/"
    profile = ResidentProfile.objects.get(user__username="newbie")
    assert profile.institution == invitation.institution
    assert client.get("/").context["user"].username == "newbie"
    invitation.refresh_from_db()
    assert invitation.status == "accepted"


def test_form_errors_are_shown_next_to_the_fields(client, invitation):
    response = client.post(
        "/invite/tok-valid",
        {"username": "", "password": "short", "password_again": "other"},
    )
    assert response.status_code == 200
    text = _text(response)
    assert "This field is required." in text
    assert "The two passwords differ." in text
    assert Invitation.objects.get().status == "pending"


def test_a_signed_in_matching_user_accepts(client, invitation, password):
    UserFactory(username="newbie", email="NEWBIE@example.org")
    client.login(request=HttpRequest(), username="newbie", password=password)
    assert "Accept the invitation" in _text(client.get("/invite/tok-valid"))
    response = client.post("/invite/tok-valid")
    assert response.status_code == 302
    assert ResidentProfile.objects.filter(user__username="newbie").exists()


def test_a_signed_in_user_with_another_email_is_refused(client, invitation, password):
    UserFactory(username="someone", email="someone@example.org")
    client.login(request=HttpRequest(), username="someone", password=password)
    for response in (client.get("/invite/tok-valid"), client.post("/invite/tok-valid")):
        assert response.status_code == 403
        assert "This invitation is for someone else" in _text(response)
    assert Invitation.objects.get().status == "pending"
    assert not ResidentProfile.objects.exists()


@pytest.mark.parametrize(
    ("change", "title"),
    [
        ({"status": "accepted"}, "This invitation has already been used"),
        ({"status": "revoked"}, "This invitation was withdrawn"),
        (
            {"expires_at": timezone.now() - dt.timedelta(days=1)},
            "This invitation has expired",
        ),
    ],
)
def test_used_revoked_and_expired_invitations_get_a_clear_page(
    client, invitation, change, title, password
):
    Invitation.objects.filter(pk=invitation.pk).update(**change)
    before = Invitation.objects.values().get()
    for response in (
        client.get("/invite/tok-valid"),
        client.post(
            "/invite/tok-valid",
            {
                "username": "x",
                "password": password,
                "password_again": password,
            },
        ),
    ):
        assert response.status_code == 410
        assert title in _text(response)
    assert Invitation.objects.values().get() == before
    assert not ResidentProfile.objects.exists()


def test_an_unknown_token_is_a_404_page(client):
    response = client.get("/invite/not-a-real-token")
    assert response.status_code == 404
    assert "This invitation link is not valid" in _text(response)


def test_with_oidc_the_token_waits_in_the_session(client, invitation, settings):
    settings.OIDC_ENABLED = True
    response = client.get("/invite/tok-valid")
    text = _text(response)
    assert "Sign in with your hospital account" in text
    assert "?next=/invite/tok-valid" in text
    assert client.session["invitation_token"] == "tok-valid"
    assert "Create your account" not in text
