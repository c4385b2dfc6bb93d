"""In Chromium, the resident's habits (issue 27): the last template is offered
again, the attending chosen for signing survives a reload, imported lines without
times show no "0:00", and on a phone (390x844) the encounter header and the
attending's queue keep their titles and actions."""

import pytest
from playwright.sync_api import expect

from templates_app.demo import teaching_demo_seed
from templates_app.library import template_seed_global
from templates_app.notes.services import note_create
from templates_app.seed_data import PATIENT, SOAP
from tests.browser import chromium, screenshot
from tests.templates_app.test_browser_notes import sign_in
from transcription.services.imports import transcript_import

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
IMPORTED = "Doctor: What brings you in today?\nPatient: A cough for five days.\n"


def _inside(page, locator) -> bool:
    """The element is drawn whole inside the phone's width (not cut, not hidden)."""
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def test_a_residents_habits_and_the_phone_layout(
    plain_server, resident, attending, password
):
    soap = template_seed_global(spec=SOAP)[0]
    patient = template_seed_global(spec=PATIENT)[0]
    teaching_demo_seed(resident=resident, attending=attending)  # the queue's notes
    first = transcript_import(
        user=resident,
        text=IMPORTED,
        consent=True,
        label="Clinic 2, long label for a bed on the far ward",
    )
    note_create(user=resident, session_id=first.pk, template_id=patient.pk)
    second = transcript_import(
        user=resident, text=IMPORTED, consent=True, label="Bed 7"
    )
    base = plain_server
    with chromium() as browser:
        page = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
        sign_in(page, base, "resident", password)
        # the encounters list fits the phone: nothing runs off its right edge
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "phone-resident-home")
        page.goto(f"{base}/encounters/{first.pk}")
        expect(page.locator(".segment").first).to_be_visible()
        expect(page.locator(".segment-time")).to_have_count(0)  # no false "0:00"
        assert "0:00" not in page.locator(".segments").inner_text()
        title = page.get_by_role("heading", level=1)
        for part in (title, page.get_by_role("link", name="New encounter")):
            expect(part).to_be_visible()
            assert _inside(page, part)
        screenshot(page, "phone-encounter-imported")
        assert title.bounding_box()["width"] > PHONE["width"] * 0.6  # not squeezed
        screenshot(page, "phone-encounter-imported")

        page.goto(f"{base}/encounters/{second.pk}")
        chosen = page.get_by_label("Template")
        expect(chosen).to_have_value(str(patient.pk))  # the last one used
        chosen.select_option(label="SOAP note · General")  # a chart note this time
        page.get_by_role("button", name="Generate note").click()
        page.wait_for_url(f"{base}/notes/*")
        note_url = page.url.split("?")[0]
        page.goto(note_url)
        assert "/notes/" in note_url and soap.notes.exists()
        supervisor = page.get_by_label("Supervising attending, who co-signs")
        supervisor.select_option(str(attending.pk))
        page.reload()
        expect(supervisor).to_have_value(str(attending.pk))
        screenshot(page, "phone-note-sign")

        phone = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
        sign_in(phone, base, "attending", password)
        phone.goto(base + "/supervision/")
        queue = phone.locator("#queue")
        expect(queue).to_be_visible()
        expect(phone.get_by_role("heading", level=1)).to_be_visible()
        row = queue.locator("tbody tr").first
        for header in ("Resident", "Note", "Encounter", "Signed", "Status"):
            # every column keeps its title, beside its cell on a phone
            expect(row.locator(".cell-label", has_text=header)).to_be_visible()
        review = queue.get_by_role("link", name="Review").first
        expect(review).to_be_visible()
        assert _inside(phone, review)
        assert _inside(phone, phone.get_by_role("heading", level=1))
        screenshot(phone, "phone-supervision-queue")
