"""In Chromium, on the demo's teaching notes: the attending's queue and co-sign with
an attestation and a rating, the resident's feedback page, the director's view."""

import re

import pytest
from playwright.sync_api import expect

from templates_app.demo import teaching_demo_seed
from templates_app.models import ClinicalNote, NoteFeedback
from tests.browser import chromium, live_server, screenshot
from tests.templates_app.test_browser_notes import sign_in

pytestmark = pytest.mark.browser


def test_queue_cosign_feedback_and_director_in_the_browser(
    transactional_db, resident, attending, admin, password
):
    teaching_demo_seed(resident=resident, attending=attending)
    overdue = ClinicalNote.objects.get(status="signed")
    with live_server(worker=True, NOTE_ENGINE="offline") as base, chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        sign_in(page, base, "attending", password)
        page.goto(base + "/supervision/")
        expect(page.get_by_text("1 overdue", exact=True)).to_be_visible()
        expect(page.locator(".row-overdue")).to_contain_text("Overdue by 6 h")
        expect(page.locator("#recent")).to_contain_text("Returned")
        screenshot(page, "supervision-queue-overdue")

        page.get_by_role("link", name=re.compile("Review SOAP note")).click()
        expect(page.locator(".authorship")).to_contain_text("rewritten by the resident")
        # No attestation is assumed: co-signing before choosing one goes nowhere.
        choices = page.locator("#cosign-form input[name=attestation]")
        expect(choices.first).to_be_visible()
        expect(
            page.locator("#cosign-form input[name=attestation]:checked")
        ).to_have_count(0)
        page.get_by_role("button", name="Co-sign note…").click()
        expect(page.locator("#cosign-dialog")).not_to_be_visible()
        page.get_by_label(re.compile("Present for the key portion")).check()
        page.get_by_label("Addendum").fill("Examined together at the bedside.")
        page.locator("#cosign-form summary").click()
        page.get_by_label("Accurate: 5").first.check()
        page.get_by_label("Synthesised: 4").first.check()
        page.get_by_label(re.compile("Comment for Rosa")).fill("A strong plan.")
        screenshot(page, "note-cosign-attestation-rubric")
        page.get_by_role("button", name="Co-sign note…").click()
        page.locator("#cosign-dialog").get_by_role("button", name="Co-sign").click()
        page.wait_for_url(base + "/supervision/")
        expect(page.get_by_text("Nothing waiting")).to_be_visible()

        resident_page = browser.new_context(
            viewport={"width": 1280, "height": 900}
        ).new_page()
        sign_in(resident_page, base, "resident", password)
        resident_page.goto(base + "/feedback/")
        expect(resident_page.locator("#feedback-months thead th")).to_have_count(3)
        expect(resident_page.get_by_text("A strong plan.")).to_be_visible()
        screenshot(resident_page, "my-feedback")
        returned = ClinicalNote.objects.get(status="draft")
        resident_page.goto(f"{base}/notes/{returned.pk}")
        expect(
            resident_page.locator("#section-plan .section-feedback")
        ).to_contain_text("add duration")
        screenshot(resident_page, "note-returned-section-comment")
        resident_page.goto(f"{base}/notes/{overdue.pk}")
        expect(resident_page.locator("#attestation")).to_contain_text(
            "present with the resident"
        )
        # The co-signed note's transcript is its evidence: shown locked, no edits.
        resident_page.goto(f"{base}/encounters/{overdue.session_id}")
        expect(resident_page.locator(".transcript-frozen")).to_contain_text(
            "part of a co-signed note"
        )
        expect(resident_page.locator(".segment").first).to_be_visible()
        expect(resident_page.locator(".segment-edit")).to_have_count(0)
        expect(resident_page.get_by_role("button", name="Save speakers")).to_have_count(
            0
        )
        screenshot(resident_page, "encounter-transcript-locked")

        admin_page = browser.new_context(
            viewport={"width": 1366, "height": 900}
        ).new_page()
        admin_page.goto(base + "/admin/login/")
        admin_page.get_by_label("Username").fill("admin")
        admin_page.get_by_label("Password").fill(password)
        admin_page.get_by_role("button", name=re.compile("Log in")).click()
        admin_page.goto(base + "/admin/institutions/supervisionpolicy/director/")
        expect(admin_page.locator(".director-table").first).to_be_visible()
        expect(admin_page.get_by_text("Rosa Resident").first).to_be_visible()
        screenshot(admin_page, "director-view")

    overdue.refresh_from_db()
    assert overdue.status == "cosigned"
    assert overdue.attestation.startswith("I was present with the resident")
    assert NoteFeedback.objects.get(note=overdue).scores == {
        "accurate": 5,
        "synthesized": 4,
    }
