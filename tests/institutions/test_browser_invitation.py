"""The invitation page in Chromium: every outcome shows its message on screen."""

import datetime as dt

import pytest
from django.utils import timezone

from institutions.models import ResidentProfile
from tests.browser import chromium, screenshot
from tests.factories import InvitationFactory, UserFactory

pytestmark = pytest.mark.browser


def _visible_on_screen(page, text: str, name: str) -> None:
    """The message is rendered, visible, inside the first screenful, and captured."""
    heading = page.get_by_role("heading", name=text)
    assert heading.is_visible(), text
    box = heading.bounding_box()
    viewport = page.viewport_size
    assert box and box["width"] > 0 and box["height"] > 0
    assert 0 <= box["y"] < viewport["height"], "the message is below the fold"
    path = screenshot(page, name)
    assert path.stat().st_size > 5000  # a real rendering, not a blank page


def test_each_invitation_outcome_in_chromium(
    plain_server, demo_hospital, admin, password
):
    InvitationFactory(
        institution=demo_hospital,
        token="b-valid",
        email="new@example.org",
        pgy_level=2,
        invited_by=admin,
    )
    InvitationFactory(
        institution=demo_hospital,
        token="b-expired",
        expires_at=timezone.now() - dt.timedelta(days=1),
    )
    InvitationFactory(institution=demo_hospital, token="b-used", status="accepted")
    InvitationFactory(institution=demo_hospital, token="b-revoked", status="revoked")
    UserFactory(username="stranger", email="stranger@example.org")
    base = plain_server
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1100, "height": 800})
        for token, title, name in [
            ("b-expired", "This invitation has expired", "invite-expired"),
            ("b-used", "This invitation has already been used", "invite-used"),
            ("b-revoked", "This invitation was withdrawn", "invite-revoked"),
            ("nonsense", "This invitation link is not valid", "invite-invalid"),
        ]:
            page.goto(f"{base}/invite/{token}")
            _visible_on_screen(page, title, name)

        # signed in with another address: refused, nothing changes
        page.goto(base + "/login")
        page.get_by_label("Username").fill("stranger")
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(base + "/")
        page.goto(base + "/invite/b-valid")
        _visible_on_screen(
            page, "This invitation is for someone else", "invite-mismatch"
        )
        page.get_by_role("button", name="Sign out").first.click()

        # valid: shows institution and role; the newcomer makes an account and joins
        page.goto(base + "/invite/b-valid")
        _visible_on_screen(page, "Join Demo General Hospital", "invite-valid")
        assert page.get_by_text("a PGY-2 resident").is_visible()
        page.get_by_label("Username").fill("newcomer")
        page.get_by_label("First name").fill("Nora")
        page.get_by_label("Last name").fill("Newcomer")
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_label("Password, again").fill(password)
        page.get_by_role("button", name="Create my account and join").click()
        page.wait_for_url(base + "/")
        assert page.get_by_text(
            "Welcome to Demo General Hospital: you joined as a PGY-2 resident."
        ).is_visible()
        screenshot(page, "invite-joined")
    assert ResidentProfile.objects.get(user__username="newcomer").pgy_level == 2
    assert not ResidentProfile.objects.exclude(user__username="newcomer").exists()
