"""In Chromium: a resident uploads a recording made elsewhere and watches it being
transcribed by the task worker (Whisper), as `make run` serves it."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import chromium, live_server, screenshot
from tests.transcription.test_browser_record import sign_in

pytestmark = pytest.mark.browser


def upload(page, label: str, wav) -> None:
    """From the home page: upload `wav` as a new encounter, the patient's consent
    confirmed, and wait for its encounter page."""
    page.get_by_role("link", name="Upload a recording").click()
    page.get_by_label("Encounter label").fill(label)
    page.get_by_label("Recording").set_input_files(str(wav))
    page.get_by_label("The patient agreed to this encounter being recorded.").check()
    page.get_by_role("button", name="Upload and transcribe").click()
    page.wait_for_url(re.compile(r".*/encounters/\d+$"))


def test_a_resident_uploads_a_recording_and_reads_its_transcript(
    transactional_db, resident, demo_hospital, password, speech_wav, tmp_path
):
    demo_hospital.recording_retention_days = 7  # the institution keeps recordings
    demo_hospital.save()
    waiting = tmp_path / "uploads"
    with (
        live_server(worker=True, UPLOAD_DIR=str(waiting)) as base,
        chromium() as browser,
    ):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, base, "resident", password)
        page.get_by_role("link", name="Upload a recording").click()
        expect(page.locator(".lede")).to_contain_text("encrypted, for 7 days")
        page.get_by_label("Encounter label").fill("Clinic 4, chest pain")
        page.get_by_label("Recording").set_input_files(str(speech_wav))
        page.get_by_role("button", name="Upload and transcribe").click()
        # nothing is uploaded until the patient's consent is confirmed
        expect(page.locator(".field-error")).to_contain_text("agreed to be recorded")
        page.get_by_label("Recording").set_input_files(str(speech_wav))
        page.get_by_label(
            "The patient agreed to this encounter being recorded."
        ).check()
        page.get_by_role("button", name="Upload and transcribe").click()
        page.wait_for_url(re.compile(r".*/encounters/\d+$"))
        expect(page.get_by_role("heading", name="Clinic 4, chest pain")).to_be_visible()
        # the page follows the worker until the transcript is there
        expect(page.locator(".segment").first).to_be_visible()
        text = page.locator(".segments").inner_text().lower()
        assert "chest pain" in text and "fever" in text
        expect(page.locator("#upload-progress")).to_have_count(0)
        # kept for the institution's 7 days, and its owner can listen to it
        expect(page.get_by_text("Kept, encrypted, until")).to_be_visible()
        player = page.get_by_label("The uploaded recording")
        expect(player).to_be_visible()
        played = page.request.get(base + player.get_attribute("src"))
        assert played.status == 200 and played.body() == speech_wav.read_bytes()
        screenshot(page, "transcription-uploaded")
    # the upload waits no more; only the encrypted copy is left
    assert [p.name for p in waiting.iterdir()] == ["retained"]


def test_while_an_upload_is_transcribing_the_page_offers_only_what_it_can(
    plain_server, resident, password
):
    """No "Resume recording" (there is no recording to go on with) and no "Generate
    note" (there is no transcript yet): the progress, until the transcript is ready."""
    from templates_app.library import template_seed_global
    from templates_app.seed_data import SOAP
    from tests.transcription.factories import SegmentFactory, session_with_segments

    template_seed_global(spec=SOAP)
    session = session_with_segments(
        resident, count=0, status="transcribing", progress=40, label="Clinic 5"
    )
    base = plain_server  # no task worker: the upload waits
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, base, "resident", password)
        page.goto(f"{base}/encounters/{session.pk}")
        expect(
            page.get_by_label(re.compile("Transcribing the uploaded"))
        ).to_be_visible()
        expect(page.locator("#upload-progress")).to_contain_text("40%")
        expect(page.get_by_role("link", name="Resume recording")).to_have_count(0)
        expect(page.get_by_role("button", name="Generate note")).to_have_count(0)
        expect(page.locator(".encounter-notes")).to_contain_text(
            "once the transcript is ready"
        )
        screenshot(page, "encounter-upload-transcribing")
        # The worker finishes: the page, which reloads itself, offers the draft.
        SegmentFactory(session=session, seq=1, speaker=0)
        session.status, session.progress = "stopped", 100
        session.save(update_fields=["status", "progress"])
        expect(page.get_by_role("button", name="Generate note")).to_be_visible(
            timeout=30_000
        )
        expect(page.get_by_role("link", name="Resume recording")).to_have_count(0)
        screenshot(page, "encounter-upload-transcribed")
