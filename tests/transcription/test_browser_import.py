"""In Chromium: a resident imports a transcript, names its speakers and corrects a
line."""

import re

import pytest

from tests.browser import chromium, screenshot
from tests.transcription.test_browser_record import sign_in

pytestmark = pytest.mark.browser

TRANSCRIPT = """Doctor: What brings you in today?
Patient: I have had a cough for about two weeks.
Doctor: Are you taking anything for it?
Patient: Just the methatrexate for my arthritis.
"""


def test_a_resident_imports_names_speakers_and_corrects_a_line(
    plain_server, resident, password
):
    base = plain_server
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, base, "resident", password)
        page.get_by_role("link", name="Import a transcript").click()
        page.get_by_label("Encounter label").fill("Clinic 3, cough")
        page.get_by_label("Transcript", exact=True).fill(TRANSCRIPT)
        page.get_by_role("button", name="Import transcript").click()
        assert "agreed to be recorded" in page.locator(".field-error").inner_text()
        page.get_by_label(
            "The patient agreed to this encounter being recorded."
        ).check()
        screenshot(page, "transcription-import")
        page.get_by_role("button", name="Import transcript").click()
        page.wait_for_url(re.compile(r".*/encounters/\d+$"))
        assert page.get_by_role("heading", name="Clinic 3, cough").is_visible()
        assert page.locator(".segment").count() == 4
        speakers = page.locator(".segment-speaker")
        assert speakers.nth(0).text_content() == "Clinician"
        assert speakers.nth(1).text_content() == "Patient"

        # Speaker 2 was a family member answering for the patient.
        page.get_by_label("Speaker 2").select_option("family")
        page.get_by_role("button", name="Save speakers").click()
        page.wait_for_selector(".message:text('Speakers saved.')")
        assert page.locator(".segment-speaker").nth(1).text_content() == "Family member"

        page.get_by_text("Correct S4").click()
        box = page.get_by_label("Corrected text of S4")
        box.fill("Just the methotrexate for my arthritis.")
        page.locator("#S4").get_by_role("button", name="Save correction").click()
        page.wait_for_selector(".message:text('Segment S4 corrected.')")
        assert "methotrexate" in page.locator("#S4 .segment-text").inner_text()
        assert page.locator("#S4 .segment-corrected").is_visible()
        screenshot(page, "transcription-corrected")
