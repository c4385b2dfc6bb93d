"""No log line ever holds an invitation token or a socket ticket."""

import contextlib
import io
import logging

import pytest

from institutions.services.invitations import resident_invite

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def console_output():
    """What the settings' console handler writes, while the block runs."""
    handlers = {
        h
        for name in ("", "django.request")
        for h in logging.getLogger(name).handlers
        if isinstance(h, logging.StreamHandler) and h.get_name() == "console"
    }
    assert handlers
    buffer = io.StringIO()
    previous = {h: h.setStream(buffer) for h in handlers}
    try:
        yield buffer
    finally:
        for handler, stream in previous.items():
            handler.setStream(stream)


def test_a_token_in_a_logged_path_is_replaced():
    token = "Zx9_" + "a" * 40
    with console_output() as out:
        logging.getLogger("django.request").error(
            "Internal Server Error: /invite/%s", token
        )
        logging.getLogger("noumaris").warning("socket /ws/transcribe/?ticket=%s", token)
    text = out.getvalue()
    assert token not in text
    assert "/invite/<token>" in text and "ticket=<token>" in text


def test_inviting_and_opening_the_link_log_no_token(
    client, admin, demo_hospital, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = resident_invite(
            actor=admin,
            institution=demo_hospital,
            email="new.resident@example.org",
            pgy_level=1,
        )
    with console_output() as out:
        client.get(f"/invite/{invitation.token}")
        client.get(f"/api/v1/invitations/{invitation.token}")
        client.get(f"/invite/{invitation.token}x")  # a wrong link: a 404 page
        logging.getLogger("django.request").error(
            "Not Found: /invite/%s", invitation.token
        )
    assert "GET /invite/<str:token>" in out.getvalue()
    assert invitation.token not in out.getvalue()
