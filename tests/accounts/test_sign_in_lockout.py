"""Brute force on /login and /admin/login/: django-axes locks the username and the
address out after SIGN_IN_FAILURE_LIMIT failures, says so, audits it, and a
superadmin can unlock it."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings

from accounts.models import AuditLog

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT


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


def test_one_address_is_locked_out_whatever_username_it_tries(client, alice, password):
    for n in range(LIMIT):
        client.post("/login", {"username": f"guess{n}", "password": "wrong"})
    response = client.post("/login", {"username": "alice", "password": password})
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
