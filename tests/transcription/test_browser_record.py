"""In Chromium: a resident records an encounter on the embedded engine and reads it
back; a resident without the feature is refused with the reason."""

import re

import pytest

from tests.browser import chromium, live_server, screenshot

pytestmark = pytest.mark.browser


def sign_in(page, base, username, password):
    page.goto(base + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")


def test_a_resident_records_an_encounter_and_reads_it_back(
    transactional_db, resident, password, speech_wav
):
    fake_audio = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={speech_wav}",
        "--autoplay-policy=no-user-gesture-required",
    ]
    with (
        live_server(TRANSCRIPTION_ENGINE="offline") as base,
        chromium(fake_audio) as browser,
    ):
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        sign_in(page, base, "resident", password)
        page.goto(base + "/encounters/new")
        start = page.get_by_role("button", name="Start recording")
        assert start.is_disabled()  # no recording without consent
        page.get_by_label("Encounter label").fill("Bed 4, chest pain")
        page.get_by_label(
            "The patient agreed to this encounter being recorded."
        ).check()
        screenshot(page, "transcription-record-ready")
        start.click()
        page.wait_for_selector("#rec-state:text('Recording')", timeout=20000)
        page.wait_for_selector("#transcript .line.final", timeout=45000)
        words = page.locator("#transcript .line.final").first.inner_text()
        assert len(words.split()) >= 2
        assert page.locator("#rec-timer").inner_text() != "0:00"
        screenshot(page, "transcription-recording")

        page.get_by_role("button", name="Pause").click()
        page.wait_for_selector("#rec-state:text('Paused')")
        page.get_by_role("button", name="Resume").click()
        page.wait_for_selector("#rec-state:text('Recording')")
        page.get_by_role("button", name="Stop and save").click()
        page.wait_for_url(re.compile(r".*/encounters/\d+$"), timeout=30000)
        assert page.get_by_role("heading", name="Bed 4, chest pain").is_visible()
        assert page.locator(".segment").count() >= 1
        assert page.get_by_text("Saved").first.is_visible()
        screenshot(page, "transcription-encounter")

        page.goto(base + "/")
        assert page.get_by_role("link", name="Bed 4, chest pain").is_visible()
        screenshot(page, "transcription-dashboard")


def test_a_resident_without_the_feature_is_refused_with_the_reason(
    transactional_db, resident2, password
):
    with live_server() as base, chromium() as browser:
        page = browser.new_page()
        sign_in(page, base, "resident2", password)
        page.goto(base + "/encounters/new")
        alert = page.get_by_role("alert")
        assert "Recording is not available to you." in alert.inner_text()
        assert "granted" in alert.inner_text().lower()
        assert page.get_by_role("button", name="Start recording").count() == 0
        screenshot(page, "transcription-not-granted")
