import pytest


@pytest.mark.django_db
def test_the_dashboard_sends_strangers_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login?next=/"


@pytest.mark.django_db
def test_the_sign_in_page_renders_a_labelled_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b'<label for="id_username">Username</label>' in response.content
    assert b'<label for="id_password">Password</label>' in response.content


@pytest.mark.django_db
def test_a_wrong_password_is_explained_and_signs_nobody_in(client, alice):
    response = client.post("/login", {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_alice_signs_in_and_out(client, alice, password):
    response = client.post(
        "/login", {"username": "alice", "password": password, "next": "/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert b"Sign out" in dashboard.content
    out = client.post("/logout")
    assert out.status_code == 200
    assert b"You are signed out" in out.content
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_the_session_ends_after_the_idle_timeout_and_activity_renews_it(
    client, alice, password, settings
):
    import datetime as dt

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.post("/login", {"username": "alice", "password": password})
    key = client.cookies["sessionid"].value
    expiry = Session.objects.get(session_key=key).expire_date
    assert (
        abs((expiry - timezone.now()).total_seconds() - settings.SESSION_IDLE_TIMEOUT)
        < 5
    )
    # Idle past the timeout: the server no longer knows the session.
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_a_request_pushes_the_idle_deadline_back_at_most_once_a_minute(
    client, alice, password, settings
):
    import datetime as dt
    import time

    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.middleware import RENEWED_AT

    client.post("/login", {"username": "alice", "password": password})
    key = client.cookies["sessionid"].value

    def expires_in() -> float:
        expiry = Session.objects.get(session_key=key).expire_date
        return (expiry - timezone.now()).total_seconds()

    def last_renewed(seconds_ago: int, expires_in: int) -> None:
        store = SessionStore(session_key=key)
        store[RENEWED_AT] = int(time.time()) - seconds_ago
        store.save()
        Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() + dt.timedelta(seconds=expires_in)
        )

    # Renewed within the minute: a request reads the session and writes nothing.
    last_renewed(seconds_ago=10, expires_in=300)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert not [q for q in queries if q["sql"].startswith("UPDATE")]
    assert expires_in() < 301
    # A minute on, the next request pushes the deadline a whole timeout ahead.
    last_renewed(seconds_ago=settings.SESSION_IDLE_RENEW_EVERY, expires_in=300)
    assert client.get("/").status_code == 200
    assert abs(expires_in() - settings.SESSION_IDLE_TIMEOUT) < 5


@pytest.mark.django_db
def test_an_anonymous_visit_makes_no_session(client):
    from django.contrib.sessions.models import Session

    assert client.get("/login").status_code == 200
    assert client.get("/api/v1/features").status_code in {401, 403}
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_createsuperuser_makes_a_superadmin(superadmin):
    assert superadmin.is_superadmin and superadmin.is_staff and superadmin.is_superuser
