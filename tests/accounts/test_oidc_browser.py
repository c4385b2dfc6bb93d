"""End to end: Chromium, the app under daphne, and a real OpenID provider on loopback.

The provider is npm `oidc-provider` shaped like Keycloak (tests/fakes/oidc); the app
gets the same environment variables production sets for Keycloak.
"""

import re

import pytest
from django.db import connections

from accounts.models import User
from tests.browser import live_server, screenshot
from tests.factories import InvitationFactory, UserFactory
from tests.fakes.oidc import PASSWORD, SERVICE_CLIENT_ID, USERS

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("oidc_browser")]


@pytest.fixture(scope="module")
def app_server(provider, django_db_setup, django_db_blocker):
    """One server for the module's tests, on the test database, with the provider."""
    env = provider.env(OIDC_SERVICE_ACCOUNTS=f"{SERVICE_CLIENT_ID}=ehr-bridge")
    with django_db_blocker.unblock(), live_server(**env) as base:
        yield base


@pytest.fixture
def app(app_server, module_browser, provider, transactional_db):
    provider.reset()
    yield app_server, module_browser
    # ORM calls made while Playwright's loop runs get their own connection
    # (asgiref's Local); give it back, or the test database cannot be dropped.
    connections.close_all()


def sign_in_at_provider(page, provider, username):
    page.wait_for_url(re.compile(re.escape(provider.issuer) + r"/login-actions/"))
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def test_a_superadmin_signs_in_at_the_provider_uses_the_api_and_signs_out(
    app, provider
):
    base, browser = app
    UserFactory(username="ruth", first_name="Ruth", oidc_sub=USERS["root"]["sub"])
    page = browser.new_page()
    page.goto(base + "/")
    sign_in_at_provider(page, provider, "root")
    page.wait_for_url(base + "/admin/")  # a superadmin runs the platform
    assert page.get_by_text(re.compile("Ruth")).first.is_visible()
    assert page.get_by_role("link", name="Noumaris administration").is_visible()
    screenshot(page, "oidc-dashboard")

    # The browser session calls the API.
    me = page.request.get(base + "/api/v1/me")
    assert me.status == 200
    assert me.json()["username"] == "ruth"
    assert "superadmin" in me.json()["roles"]

    # Sign-out ends both sessions: ours, then the provider's (RP-initiated logout),
    # from the admin as from any page.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(base + "/signed-out")
    assert page.get_by_role("heading", name="You are signed out").is_visible()
    assert page.request.get(base + "/api/v1/me").status == 401
    page.goto(base + "/")
    # The provider asks for the password again: its session is over too.
    page.wait_for_url(re.compile(re.escape(provider.issuer) + r"/login-actions/"))
    assert page.get_by_label("Password").is_visible()


def test_the_superadmin_role_is_removed_and_added_back_across_sign_ins(app, provider):
    base, browser = app
    user = UserFactory(username="ruth", oidc_sub=USERS["root"]["sub"])
    provider.update_user("root", roles=[])
    page = browser.new_page()
    page.goto(base + "/")
    sign_in_at_provider(page, provider, "root")
    page.wait_for_url(base + "/")
    assert page.get_by_role("link", name="Admin").count() == 0
    assert "superadmin" not in page.request.get(base + "/api/v1/me").json()["roles"]
    user.refresh_from_db()
    assert not user.is_superadmin

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(base + "/signed-out")
    provider.update_user("root", roles=["superadmin"])
    page.goto(base + "/")
    sign_in_at_provider(page, provider, "root")
    page.wait_for_url(base + "/admin/")
    user.refresh_from_db()
    assert user.is_superadmin


def test_a_person_noumaris_does_not_know_gets_the_no_account_page(app, provider):
    base, browser = app
    page = browser.new_page()
    page.goto(base + "/templates/")
    sign_in_at_provider(page, provider, "stranger")
    page.wait_for_url(base + "/login/refused/no-account")
    assert page.get_by_role(
        "heading", name="You have no Noumaris account yet"
    ).is_visible()
    assert page.get_by_text("Ask your program for an invitation").is_visible()
    screenshot(page, "oidc-no-account")
    assert not User.objects.filter(email="stranger@example.org").exists()
    assert page.request.get(base + "/api/v1/me").status == 401
    # A way out, to sign in as somebody else: the provider session ends too.
    page.get_by_role("link", name="Sign out of your hospital account").click()
    page.wait_for_url(base + "/signed-out")
    page.goto(base + "/")
    page.wait_for_url(re.compile(re.escape(provider.issuer) + r"/login-actions/"))


def test_an_invitation_is_accepted_after_signing_in_at_the_provider(app, provider):
    base, browser = app
    invitation = InvitationFactory(email="invitee@example.org", token="tok-browser-1")
    page = browser.new_page()
    page.goto(base + "/invite/tok-browser-1")
    page.get_by_role("link", name="Sign in with your hospital account").click()
    sign_in_at_provider(page, provider, "invitee")
    page.wait_for_url(base + "/invite/tok-browser-1")
    page.get_by_role("button", name="Accept the invitation").click()
    page.wait_for_url(base + "/")
    assert page.get_by_text(f"Welcome to {invitation.institution}").is_visible()
    user = User.objects.get(oidc_sub=USERS["invitee"]["sub"])
    assert user.username == "invitee"
    invitation.refresh_from_db()
    assert invitation.status == "accepted" and invitation.accepted_by == user


def test_an_unverified_email_is_refused_in_the_browser(app, provider):
    base, browser = app
    UserFactory(username="una", email="unverified@example.org")
    page = browser.new_page()
    page.goto(base + "/")
    sign_in_at_provider(page, provider, "unverified")
    page.wait_for_url(base + "/login/refused/unverified-email")
    assert page.get_by_role(
        "heading", name="Your e-mail address is not verified"
    ).is_visible()
