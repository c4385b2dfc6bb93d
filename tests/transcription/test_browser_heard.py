"""In Chromium with the fake microphone: a live recording's transcript shows doses
and vitals as numbers, corrected drug names with what was heard, and doubtful words
underlined (issue 23)."""

import re

import pytest

from tests.browser import chromium, live_server, screenshot
from tests.transcription.conftest import espeak_wav
from tests.transcription.test_browser_record import sign_in

pytestmark = pytest.mark.browser

SAID = (
    "Good morning. How is the knee? [[_::_::_::]] "
    "Continue the methatrix, fifteen milligrams weekly. [[_::_::_::]] "
    "Take metformin five hundred milligrams twice a day. [[_::_::_::]] "
    "Her blood pressure is one fifty over ninety."
)


@pytest.fixture(scope="session")
def clinic_wav(tmp_path_factory):
    # Silence after: the fake microphone loops the file.
    return espeak_wav(tmp_path_factory.mktemp("clinic"), SAID, pad=(0.5, 30))


def test_a_live_recording_shows_numbers_corrections_and_doubts(
    transactional_db, resident, password, clinic_wav
):
    from transcription.engines.words import DRUG
    from transcription.heard import doubtful, segment_words
    from transcription.models import TranscriptSegment

    fake_audio = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={clinic_wav}",
    ]
    with (
        live_server(TRANSCRIPTION_ENGINE="offline") as base,
        chromium(fake_audio) as browser,
    ):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, base, "resident", password)
        page.goto(base + "/encounters/new")
        page.get_by_label("Encounter label").fill("Knee follow-up")
        page.get_by_label(
            "The patient agreed to this encounter being recorded."
        ).check()
        page.get_by_role("button", name="Start recording").click()
        page.wait_for_selector("#transcript .line.final", timeout=90000)
        page.wait_for_selector(
            "#transcript .line.final:has-text('150/90')", timeout=120000
        )
        page.get_by_role("button", name="Stop and save").click()
        page.wait_for_url(re.compile(r".*/encounters/\d+$"), timeout=90000)
        text = page.locator(".segments").inner_text()
        assert "500 mg" in text and "150/90" in text, text
        stored = list(TranscriptSegment.objects.all())
        heard = " ".join(s.heard_text for s in stored)
        assert "milligrams" in heard and "over" in heard, heard
        words = [w for s in stored for w in segment_words(s) or ()]
        assert words  # each word's probability kept
        doubtful_words = page.locator(".segments u.word-doubtful")
        corrected = page.locator(".segments .word-corrected")
        assert doubtful_words.count() == sum(doubtful(w) for w in words)
        assert corrected.count() == sum(w.kind == DRUG for w in words)
        screenshot(page, "transcription-heard")
