import pytest

from tests.browser import chromium, screenshot

pytestmark = pytest.mark.browser


def test_a_person_signs_in_and_out_in_chromium(plain_server, alice, password):
    base = plain_server
    with chromium() as browser:
        page = browser.new_page()
        page.goto(base + "/")
        assert page.url == base + "/login?next=/"
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill("wrong password")
        page.get_by_role("button", name="Sign in").click()
        assert page.get_by_text(
            "Please enter a correct username and password"
        ).is_visible()
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(base + "/")
        assert page.get_by_role("heading", name="Good to see you, alice").is_visible()
        screenshot(page, "dashboard")
        page.get_by_role("button", name="Sign out").click()
        assert page.get_by_role("heading", name="You are signed out").is_visible()
