"""Brute force on /login and /admin/login/: django-axes locks the pair (username,
address) out after SIGN_IN_FAILURE_LIMIT failures and the username after the slower
SIGN_IN_USERNAME_FAILURE_LIMIT, says so, audits it, and a superadmin can unlock it.
A browser where the person signed in before gets through (accounts/lockout.py)."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from accounts.models import AuditLog

pytestmark = pytest.mark.django_db

LIMIT = settings.SIGN_IN_FAILURE_LIMIT
USERNAME_LIMIT = settings.SIGN_IN_USERNAME_FAILURE_LIMIT


def _fail(client, path, username, times, **extra):
    return [
        client.post(path, {"username": username, "password": "wrong"}, **extra)
        for _ in range(times)
    ]


def test_the_right_password_is_refused_after_too_many_wrong_ones(
    client, alice, password
):
    answers = _fail(client, "/login", "alice", LIMIT)
    assert [r.status_code for r in answers[:-1]] == [200] * (LIMIT - 1)
    assert answers[-1].status_code == 429
    response = client.post("/login", {"username": "alice", "password": password})
    assert response.status_code == 429
    assert int(response["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    assert b"Too many failed sign-ins" in response.content
    assert client.get("/").status_code == 302  # nobody signed in


def test_the_admin_sign_in_is_throttled_too(client, alice, password):
    _fail(client, "/admin/login/", "alice", LIMIT)
    response = client.post("/admin/login/", {"username": "alice", "password": password})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_colleague_behind_the_same_address_still_signs_in(
    client, alice, django_user_model, password
):
    django_user_model.objects.create_user(username="bob", password=password)
    _fail(client, "/login", "alice", LIMIT, REMOTE_ADDR="10.0.0.7")
    response = client.post(
        "/login", {"username": "bob", "password": password}, REMOTE_ADDR="10.0.0.7"
    )
    assert response.status_code == 302


def test_the_locked_person_still_signs_in_from_another_address(client, alice, password):
    _fail(client, "/login", "alice", LIMIT, REMOTE_ADDR="10.0.0.7")
    locked = client.post(
        "/login", {"username": "alice", "password": password}, REMOTE_ADDR="10.0.0.7"
    )
    assert locked.status_code == 429
    response = client.post(
        "/login", {"username": "alice", "password": password}, REMOTE_ADDR="10.0.0.8"
    )
    assert response.status_code == 302


def _spray(client, username, failures):
    """`failures` wrong passwords for one username, from as many addresses as needed
    to stay under the pair's limit at each."""
    for n in range(failures):
        address = f"10.1.{n // (LIMIT - 1)}.1"
        client.post(
            "/login", {"username": username, "password": "wrong"}, REMOTE_ADDR=address
        )


def test_a_username_is_locked_everywhere_after_the_slower_limit(
    client, alice, password
):
    _spray(client, "alice", USERNAME_LIMIT)
    response = client.post(
        "/login", {"username": "alice", "password": password}, REMOTE_ADDR="10.2.0.1"
    )
    assert response.status_code == 429


def test_a_known_device_gets_through_both_locks(client, alice, password):
    signed_in = client.post(
        "/login", {"username": "alice", "password": password}, REMOTE_ADDR="10.0.0.7"
    )
    assert signed_in.status_code == 302
    assert signed_in.cookies["noumaris_device"]["httponly"]
    client.post("/logout")
    stranger = Client()  # the same hospital address, another browser
    _fail(stranger, "/login", "alice", LIMIT, REMOTE_ADDR="10.0.0.7")
    _spray(stranger, "alice", USERNAME_LIMIT)
    assert (
        stranger.post(
            "/login",
            {"username": "alice", "password": password},
            REMOTE_ADDR="10.0.0.7",
        ).status_code
        == 429
    )
    response = client.post(
        "/login", {"username": "alice", "password": password}, REMOTE_ADDR="10.0.0.7"
    )
    assert response.status_code == 302


def test_a_known_device_does_not_buy_extra_guesses(client, alice, password):
    client.post(
        "/login", {"username": "alice", "password": password}, REMOTE_ADDR="10.0.0.7"
    )
    client.post("/logout")
    _fail(client, "/login", "alice", LIMIT, REMOTE_ADDR="10.0.0.7")
    _fail(client, "/login", "alice", LIMIT, REMOTE_ADDR="10.0.0.7")
    response = client.post(
        "/login", {"username": "alice", "password": password}, REMOTE_ADDR="10.0.0.7"
    )
    assert response.status_code == 429


def test_another_address_may_still_sign_in_another_person(
    client, alice, django_user_model, password
):
    django_user_model.objects.create_user(username="bob", password=password)
    _fail(client, "/login", "alice", LIMIT, REMOTE_ADDR="10.0.0.7")
    response = client.post(
        "/login", {"username": "bob", "password": password}, REMOTE_ADDR="10.0.0.8"
    )
    assert response.status_code == 302


def test_the_lockout_is_audited_once(client, alice):
    _fail(client, "/login", "alice", LIMIT + 3)
    rows = AuditLog.objects.filter(action="SIGN_IN_LOCKED_OUT")
    assert rows.count() == 1
    assert rows.get().details["username"] == "alice"
    assert rows.get().target_id == str(alice.pk)


def test_a_superadmin_unlocks_and_it_is_audited(client, alice, superadmin, password):
    _fail(client, "/login", "alice", LIMIT, REMOTE_ADDR="10.0.0.9")
    client.force_login(superadmin)
    listing = client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = client.post(
        "/admin/axes/accessattempt/",
        {"action": "unlock", "_selected_action": ids},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert AuditLog.objects.filter(action="SIGN_IN_UNLOCKED", actor=superadmin).exists()
    client.logout()
    response = client.post(
        "/login",
        {"username": "alice", "password": password},
        REMOTE_ADDR="10.0.0.9",
    )
    assert response.status_code == 302


def test_an_institution_admin_cannot_see_the_failed_sign_ins(client, admin):
    client.force_login(admin)
    assert client.get("/admin/axes/accessattempt/").status_code in (302, 403)
