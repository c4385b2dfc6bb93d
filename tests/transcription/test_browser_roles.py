"""In Chromium: an uploaded two-voice recording, transcribed by Whisper in the task
worker, shows each turn's speaker by role, and the clinician renames one."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import chromium, live_server, screenshot
from tests.transcription.test_browser_record import (
    fake_microphone,
    sign_in,
    start_recording,
)
from tests.transcription.test_browser_upload import upload
from tests.waiting import DEADLINE_MS

pytestmark = pytest.mark.browser


def test_an_uploaded_dialogue_shows_clinician_and_patient_and_they_can_be_renamed(
    transactional_db, resident, password, dialogue_wav, tmp_path
):
    path, _ = dialogue_wav
    with (
        live_server(worker=True, UPLOAD_DIR=str(tmp_path / "uploads")) as base,
        chromium() as browser,
    ):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, base, "resident", password)
        upload(page, "Clinic 2, cough", path)
        expect(page.locator(".segment").first).to_be_visible(timeout=3 * DEADLINE_MS)
        first = page.locator(".segment").first
        expect(first.locator(".segment-speaker")).to_have_text("Clinician")
        # the greeting; Whisper heard "in today" quiet and "into day" under load
        # (its threads' sums in another order on a busy machine)
        expect(first).to_contain_text(re.compile("what brings you in", re.I))
        labels = page.locator(".segment-speaker").all_text_contents()
        assert {"Clinician", "Patient"} == set(labels), labels
        # each speaker's role is named, and the clinician can change it
        expect(page.get_by_label("Speaker 1")).to_have_value("clinician")
        expect(page.get_by_label("Speaker 2")).to_have_value("patient")
        screenshot(page, "transcription-upload-roles")
        page.get_by_label("Speaker 2").select_option("family")
        page.get_by_role("button", name="Save speakers").click()
        expect(page.get_by_label("Speaker 2")).to_have_value("family")
        labels = page.locator(".segment-speaker").all_text_contents()
        assert {"Clinician", "Family member"} == set(labels), labels


def test_a_live_recording_of_a_dialogue_shows_clinician_and_patient(
    transactional_db, resident, password, dialogue_wav
):
    path, _ = dialogue_wav
    fake_audio = fake_microphone(path)
    with (
        live_server(TRANSCRIPTION_ENGINE="offline") as base,
        chromium(fake_audio) as browser,
    ):
        page = start_recording(browser, base, password)
        # the microphone plays the dialogue; stop once most of its lines are in
        expect(page.locator("#transcript .line.final").nth(5)).to_be_visible(
            timeout=3 * DEADLINE_MS
        )
        # named by role as they arrive
        live = page.locator("#transcript .line.final .line-speaker")
        expect(live.first).to_have_text("Clinician")
        assert "Patient" in live.all_text_contents()
        screenshot(page, "transcription-recording-roles")
        page.get_by_role("button", name="Stop and save").click()
        page.wait_for_url(re.compile(r".*/encounters/\d+$"), timeout=DEADLINE_MS)
        labels = page.locator(".segment-speaker").all_text_contents()
        assert {"Clinician", "Patient"} == set(labels), labels
        first = page.locator(".segment").first
        expect(first.locator(".segment-speaker")).to_have_text("Clinician")
        screenshot(page, "transcription-live-roles")
