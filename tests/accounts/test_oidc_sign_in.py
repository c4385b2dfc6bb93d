"""Sign-in through a real OpenID provider (tests/fakes/oidc), with Django's test client.

The provider is the npm `oidc-provider` on loopback, shaped like Keycloak; the app's
backend talks to it over HTTP (token, userinfo, JWKS) exactly as in production.
"""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import requests
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts.models import AuditLog, User
from tests.factories import InvitationFactory, UserFactory
from tests.fakes.oidc import USERS, WEB_CLIENT_ID
from tests.waiting import DEADLINE

RIVERA_SUB = USERS["rivera"]["sub"]
ROOT_SUB = USERS["root"]["sub"]


def start_sign_in(client, next_url="/"):
    """`/login?next=` → our start view → the provider's authorize URL."""
    login = client.get("/login", {"next": next_url})
    assert login.status_code == 302
    assert login["Location"].startswith("/oidc/authenticate/")
    start = client.get(login["Location"])
    assert start.status_code == 302
    return start["Location"]


def sign_in(client, provider, username, next_url="/", browser=None):
    """The whole code flow; returns our callback's response and the provider's
    cookie jar (the person's browser at the provider)."""
    browser = browser or requests.Session()
    authorize = start_sign_in(client, next_url)
    back = provider.sign_in(authorize, username, browser=browser)
    parts = urlsplit(back)
    assert parts.path == "/oidc/callback/"
    return client.get(f"{parts.path}?{parts.query}"), browser


def signed_in_user(client):
    return client.get("/").wsgi_request.user


def test_login_leads_to_the_provider_with_state_nonce_and_pkce(client, oidc):
    authorize = start_sign_in(client, "/templates/")
    assert authorize.startswith(oidc.endpoint("auth"))
    params = parse_qs(urlsplit(authorize).query)
    assert params["client_id"] == [WEB_CLIENT_ID]
    assert params["response_type"] == ["code"]
    assert params["code_challenge_method"] == ["S256"]
    assert len(params["code_challenge"][0]) == 43
    assert len(params["state"][0]) >= 32 and len(params["nonce"][0]) >= 32
    assert params["redirect_uri"] == ["http://testserver/oidc/callback/"]
    assert set(params["scope"][0].split()) == {"openid", "email", "profile"}


def test_a_known_person_is_matched_by_sub_not_by_email(client, oidc):
    UserFactory(username="rosa", email="old-address@example.org", oidc_sub=RIVERA_SUB)
    response, _ = sign_in(client, oidc, "rivera", next_url="/templates/")
    assert response.status_code == 302
    assert response["Location"] == "/templates/"
    user = signed_in_user(client)
    assert user.username == "rosa"
    # The provider's verified e-mail and name are taken at sign-in.
    assert user.email == "rivera@example.org"
    assert (user.first_name, user.last_name) == ("Rosa", "Rivera")
    assert not user.is_superadmin


def test_first_sign_in_links_the_only_account_with_the_verified_email(client, oidc):
    local = UserFactory(username="rosa", email="RIVERA@example.org")
    response, _ = sign_in(client, oidc, "rivera")
    assert response["Location"] == "/"
    local.refresh_from_db()
    assert local.oidc_sub == RIVERA_SUB
    assert signed_in_user(client) == local
    linked = AuditLog.objects.get(action="IDENTITY_LINKED")
    assert linked.target_id == str(local.pk)
    assert linked.details == {"method": "verified e-mail"}


def test_an_email_shared_by_two_accounts_links_neither(client, oidc):
    UserFactory(username="rosa", email="rivera@example.org")
    UserFactory(username="rosa2", email="Rivera@example.org")
    response, _ = sign_in(client, oidc, "rivera")
    assert response["Location"] == "/login/refused/no-account"
    assert not User.objects.filter(oidc_sub=RIVERA_SUB).exists()


def test_an_account_linked_to_another_identity_is_not_taken_over(client, oidc):
    other = UserFactory(username="rosa", email="rivera@example.org", oidc_sub="x-1")
    response, _ = sign_in(client, oidc, "rivera")
    assert response["Location"] == "/login/refused/linked-elsewhere"
    other.refresh_from_db()
    assert other.oidc_sub == "x-1"
    assert not signed_in_user(client).is_authenticated
    page = client.get(response["Location"])
    assert page.status_code == 403
    assert b"Your e-mail belongs to another sign-in" in page.content


def test_an_unverified_email_is_refused_and_links_nothing(client, oidc):
    local = UserFactory(username="una", email="unverified@example.org")
    response, _ = sign_in(client, oidc, "unverified")
    assert response["Location"] == "/login/refused/unverified-email"
    local.refresh_from_db()
    assert local.oidc_sub is None
    assert not signed_in_user(client).is_authenticated
    page = client.get(response["Location"])
    assert b"Your e-mail address is not verified" in page.content


def test_a_person_unknown_to_noumaris_gets_the_no_account_page(client, oidc):
    response, _ = sign_in(client, oidc, "stranger")
    assert response["Location"] == "/login/refused/no-account"
    assert not signed_in_user(client).is_authenticated
    assert not User.objects.filter(email="stranger@example.org").exists()
    page = client.get(response["Location"])
    assert page.status_code == 403
    assert b"You have no Noumaris account yet" in page.content
    assert b"ask your program for an invitation" in page.content.lower()
    # A way out of the provider session, to sign in as somebody else.
    assert oidc.endpoint("logout").encode() in page.content


def test_a_deactivated_account_is_refused(client, oidc):
    UserFactory(username="rosa", oidc_sub=RIVERA_SUB, is_active=False)
    response, _ = sign_in(client, oidc, "rivera")
    assert response["Location"] == "/login/refused/inactive"
    assert not signed_in_user(client).is_authenticated


def test_the_superadmin_role_is_added_and_removed_across_sign_ins(client, oidc):
    user = UserFactory(username="ruth", oidc_sub=ROOT_SUB)
    sign_in(client, oidc, "root")
    user.refresh_from_db()
    assert user.is_superadmin and user.is_superuser and user.is_staff
    assert client.get("/admin/").status_code == 200

    oidc.update_user("root", roles=[])
    client.post("/logout")
    sign_in(client, oidc, "root")
    user.refresh_from_db()
    assert not (user.is_superadmin or user.is_superuser or user.is_staff)
    assert client.get("/admin/").status_code == 302

    oidc.update_user("root", roles=["superadmin", "physician"])
    client.post("/logout")
    sign_in(client, oidc, "root")
    user.refresh_from_db()
    assert user.is_superadmin
    assert list(AuditLog.objects.order_by("id").values_list("action", flat=True)) == [
        "SUPERADMIN_GRANTED",
        "SUPERADMIN_REVOKED",
        "SUPERADMIN_GRANTED",
    ]


def test_losing_superadmin_keeps_an_institution_admin_on_the_admin_site(
    client, oidc, admin
):
    admin.oidc_sub = ROOT_SUB
    admin.save(update_fields=["oidc_sub"])
    sign_in(client, oidc, "root")
    admin.refresh_from_db()
    assert admin.is_superadmin and admin.is_staff
    oidc.update_user("root", roles=[])
    client.post("/logout")
    sign_in(client, oidc, "root")
    admin.refresh_from_db()
    assert not admin.is_superadmin and not admin.is_superuser
    assert admin.is_staff


def test_an_opened_invitation_makes_the_account_and_returns_to_it(client, oidc):
    InvitationFactory(email="invitee@example.org", token="tok-invitee-1")
    session = client.session
    session["invitation_token"] = "tok-invitee-1"  # what /invite/<token> stores
    session.save()
    response, _ = sign_in(client, oidc, "invitee", next_url="/invite/tok-invitee-1")
    assert response["Location"] == "/invite/tok-invitee-1"
    user = User.objects.get(oidc_sub=USERS["invitee"]["sub"])
    assert user.username == "invitee"
    assert user.email == "Invitee@Example.org"
    assert not user.has_usable_password()
    assert client.session["_auth_user_id"] == str(user.pk)
    created = AuditLog.objects.get(action="IDENTITY_LINKED")
    assert created.details["method"] == "invitation"


def test_an_invitation_for_another_email_makes_nothing(client, oidc):
    InvitationFactory(email="someone-else@example.org", token="tok-other")
    session = client.session
    session["invitation_token"] = "tok-other"
    session.save()
    response, _ = sign_in(client, oidc, "invitee", next_url="/invite/tok-other")
    assert response["Location"] == "/login/refused/no-account"
    assert not User.objects.filter(oidc_sub=USERS["invitee"]["sub"]).exists()


def test_an_expired_or_revoked_invitation_makes_nothing(client, oidc):
    InvitationFactory(
        email="invitee@example.org",
        token="tok-expired",
        expires_at=timezone.now() - dt.timedelta(minutes=1),
    )
    InvitationFactory(
        email="invitee@example.org", token="tok-revoked", status="revoked"
    )
    for token in ("tok-expired", "tok-revoked"):
        session = client.session
        session["invitation_token"] = token
        session.save()
        response, _ = sign_in(client, oidc, "invitee")
        assert response["Location"] == "/login/refused/no-account"
    assert not User.objects.filter(oidc_sub=USERS["invitee"]["sub"]).exists()


def test_a_new_username_never_collides_with_an_existing_one(client, oidc):
    UserFactory(username="invitee", email="first@example.org")
    InvitationFactory(email="invitee@example.org", token="tok-invitee-2")
    session = client.session
    session["invitation_token"] = "tok-invitee-2"
    session.save()
    sign_in(client, oidc, "invitee")
    assert User.objects.get(oidc_sub=USERS["invitee"]["sub"]).username == "invitee-2"


def test_a_replayed_callback_signs_nobody_in(client, oidc):
    UserFactory(username="rosa", oidc_sub=RIVERA_SUB)
    authorize = start_sign_in(client)
    back = urlsplit(oidc.sign_in(authorize, "rivera", browser=requests.Session()))
    thief = Client()
    replay = thief.get(f"{back.path}?{back.query}")
    # Another browser has no state for it: refused, nobody signed in.
    assert replay.status_code in (302, 400)
    assert not signed_in_user(thief).is_authenticated
    first = client.get(f"{back.path}?{back.query}")
    assert first["Location"] == "/"
    again = client.get(f"{back.path}?{back.query}")
    assert again.status_code == 400  # the state was used up


def test_sign_out_ends_the_provider_session_too(client, oidc):
    UserFactory(username="rosa", oidc_sub=RIVERA_SUB)
    _, browser = sign_in(client, oidc, "rivera")
    out = client.post("/logout")
    assert out.status_code == 302
    logout = urlsplit(out["Location"])
    assert f"{logout.scheme}://{logout.netloc}{logout.path}" == oidc.endpoint("logout")
    params = parse_qs(logout.query)
    assert params["post_logout_redirect_uri"] == ["http://testserver/signed-out"]
    assert params["client_id"] == [WEB_CLIENT_ID]
    assert params["id_token_hint"][0].count(".") == 2
    assert not signed_in_user(client).is_authenticated

    # The person's browser follows it: the provider ends its session...
    confirm = browser.get(out["Location"], timeout=DEADLINE)
    form_action = confirm.text.split('action="', 1)[1].split('"', 1)[0]
    xsrf = confirm.text.split('name="xsrf" value="', 1)[1].split('"', 1)[0]
    done = browser.post(
        requests.compat.urljoin(confirm.url, form_action),
        data={"xsrf": xsrf, "logout": "yes"},
        allow_redirects=False,
        timeout=DEADLINE,
    )
    assert done.headers["Location"] == "http://testserver/signed-out"
    assert b"You are signed out" in client.get("/signed-out").content
    # ... so a new sign-in asks for the password again instead of passing through.
    authorize = start_sign_in(client)
    at_provider = browser.get(authorize, timeout=DEADLINE)
    assert "Sign in to your account" in at_provider.text


def test_the_session_ends_after_the_idle_timeout(client, oidc, settings):
    UserFactory(username="rosa", oidc_sub=RIVERA_SUB)
    sign_in(client, oidc, "rivera")
    key = client.cookies["sessionid"].value
    expiry = Session.objects.get(session_key=key).expire_date
    left = (expiry - timezone.now()).total_seconds()
    assert abs(left - settings.SESSION_IDLE_TIMEOUT) < 5
    assert client.get("/").status_code == 200
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    idle = client.get("/")
    assert idle.status_code == 302
    assert idle["Location"] == "/login?next=/"


def test_an_expired_id_token_is_renewed_silently_while_the_provider_session_lives(
    client, oidc, settings
):
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "accounts.oidc.SessionRefresh",
    ]
    user = UserFactory(username="ruth", oidc_sub=ROOT_SUB)
    _, browser = sign_in(client, oidc, "root")
    session = client.session
    session["oidc_id_token_expiration"] = 0
    session.save()
    oidc.update_user("root", roles=[])  # changed at the provider meanwhile

    renew = client.get("/templates/")
    assert renew.status_code == 302
    assert parse_qs(urlsplit(renew["Location"]).query)["prompt"] == ["none"]
    back = urlsplit(oidc.sign_in(renew["Location"], "root", browser=browser))
    assert "code" in parse_qs(back.query)
    done = client.get(f"{back.path}?{back.query}")
    assert done["Location"] == "/templates/"
    user.refresh_from_db()
    assert not user.is_superadmin  # roles re-synced at the renewal
    assert client.get("/").status_code == 200


def test_an_htmx_request_is_not_sent_off_to_the_provider(client, oidc, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "accounts.oidc.SessionRefresh"]
    UserFactory(username="rosa", oidc_sub=RIVERA_SUB)
    sign_in(client, oidc, "rivera")
    session = client.session
    session["oidc_id_token_expiration"] = 0
    session.save()
    # A partial update cannot follow a redirect to the provider: it passes.
    assert client.get("/", HTTP_HX_REQUEST="true").status_code == 200
    assert client.get("/").status_code == 302  # a full page load renews


def test_a_renewal_after_the_provider_session_ended_asks_to_sign_in(
    client, oidc, settings
):
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "accounts.oidc.SessionRefresh",
    ]
    UserFactory(username="rosa", oidc_sub=RIVERA_SUB)
    sign_in(client, oidc, "rivera")
    session = client.session
    session["oidc_id_token_expiration"] = 0
    session.save()
    renew = client.get("/templates/")
    # A browser without the provider's cookies: the provider answers login_required.
    back = urlsplit(
        requests.get(
            renew["Location"], allow_redirects=False, timeout=DEADLINE
        ).headers["Location"]
    )
    assert parse_qs(back.query)["error"] == ["login_required"]
    done = client.get(f"{back.path}?{back.query}")
    assert done["Location"] == "/login?next=%2Ftemplates%2F"
    assert not signed_in_user(client).is_authenticated


def test_the_provider_routes_answer_404_without_oidc(client, db, settings):
    settings.OIDC_ENABLED = False
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404
    assert client.get("/login").status_code == 200  # the local form


def test_an_unknown_refusal_reason_is_404(client, db):
    assert client.get("/login/refused/whatever").status_code == 404


def test_the_admin_sign_in_leads_to_the_provider_not_a_password_form(client, oidc):
    response = client.get("/admin/login/", {"next": "/admin/institutions/"})
    assert response.status_code == 302
    assert response["Location"] == "/login?next=/admin/institutions/"
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"


def test_a_signed_in_person_without_admin_access_is_told_so_at_the_admin(client, oidc):
    UserFactory(username="rosa", oidc_sub=RIVERA_SUB)
    sign_in(client, oidc, "rivera")
    response = client.get("/admin/login/", {"next": "/admin/"})
    assert response.status_code == 200
    assert b"not authorized to access this page" in response.content


def test_without_oidc_the_admin_keeps_its_password_form(client, db, settings):
    settings.OIDC_ENABLED = False
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b'name="password"' in response.content
