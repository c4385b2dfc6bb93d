"""In Chromium with the fake microphone: a live recording's transcript shows doses
and vitals as numbers, corrected drug names with what was heard, and doubtful words
underlined (issue 23), as they arrive on the record page and after on the
encounter page."""

import re

import pytest

from tests.browser import chromium, live_server, screenshot
from tests.transcription.conftest import espeak_wav
from tests.transcription.test_browser_record import sign_in
from tests.transcription.test_browser_upload import upload
from tests.waiting import DEADLINE_MS

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
        page.wait_for_selector("#transcript .line.final", timeout=DEADLINE_MS)
        page.wait_for_selector(
            "#transcript .line.final:has-text('150/90')", timeout=DEADLINE_MS
        )
        finals = page.locator("#transcript .line.final")
        live_doubts = finals.locator("u.word-doubtful").all_inner_texts()
        live_fixes = finals.locator(".word-corrected").all_inner_texts()
        page.get_by_role("button", name="Stop and save").click()
        page.wait_for_url(re.compile(r".*/encounters/\d+$"), timeout=DEADLINE_MS)
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
        # The record page marked the same words as they arrived. The fake
        # microphone went on speaking after the look, so the stored transcript may
        # hold lines the record page had not shown yet: what it showed is the start.
        assert live_doubts, "the record page marked no doubtful word"
        assert doubtful_words.all_inner_texts()[: len(live_doubts)] == live_doubts
        assert corrected.all_inner_texts()[: len(live_fixes)] == live_fixes
        screenshot(page, "transcription-heard")


def test_the_record_page_marks_doubtful_and_corrected_words_as_they_arrive(
    transactional_db, resident, password
):
    """A known engine (tests/transcription/scripted_engine.py) says a drug corrected
    from what was heard and a doubtful dose: the live transcript marks them as the
    encounter page does, before the recording stops."""
    from playwright.sync_api import expect

    fake_microphone = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
    ]
    with (
        live_server(
            DJANGO_SETTINGS_MODULE="tests.transcription.scripted_settings"
        ) as base,
        chromium(fake_microphone) as browser,
    ):
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        sign_in(page, base, "resident", password)
        page.goto(base + "/encounters/new")
        page.get_by_label(
            "The patient agreed to this encounter being recorded."
        ).check()
        page.get_by_role("button", name="Start recording").click()
        line = page.locator("#transcript .line.final")
        try:
            expect(line).to_have_count(1)
        except AssertionError as error:
            message = page.locator("#rec-message").inner_text()
            raise AssertionError(f"no final; the page said: {message!r}") from error
        assert line.locator(".word-corrected").inner_text() == "methotrexate,"
        assert line.locator(".word-heard").inner_text() == "(heard ‘methatrix’)"
        doubts = line.locator("u.word-doubtful")
        # methotrexate (45%, a drug), 15 (31%, a number) and knee (42%); the rest,
        # "mg" (93%, a number) among them, are sure enough.
        assert doubts.all_inner_texts() == [
            "methotrexate, (heard ‘methatrix’)",
            "15",
            "knee?",
        ]
        assert doubts.nth(1).get_attribute("title") == (
            "Heard with 31% confidence: check the recording"
        )
        assert line.inner_text().endswith(
            "Continue the methotrexate, (heard ‘methatrix’) 15 mg weekly. How is the knee?"
        )
        screenshot(page, "transcription-record-heard")
        live = line.inner_html()
        # The encounter page (server-rendered) marks the same words the same way.
        from transcription.models import TranscriptionSession

        page.goto(f"{base}/encounters/{TranscriptionSession.objects.get().pk}")
        screenshot(page, "transcription-encounter-said-by")
        after = page.locator(".segments .segment-text").inner_html()
        assert live.split("</span>", 1)[1].strip() == after.strip(), (live, after)


def test_an_upload_shows_roles_numbers_corrections_and_doubts(
    transactional_db, resident, password, clinic_wav, tmp_path
):
    """Issue 23's "Done when" for an upload: the same speech, uploaded and
    transcribed by Whisper in the task worker, shows its speaker's role, doses and
    vitals as numbers, each corrected drug with what was heard, and the doubtful
    words underlined, as the stored words say."""
    from playwright.sync_api import expect

    from transcription.engines.words import DRUG
    from transcription.heard import doubtful, segment_words
    from transcription.models import TranscriptSegment

    with (
        live_server(worker=True, UPLOAD_DIR=str(tmp_path / "uploads")) as base,
        chromium() as browser,
    ):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, base, "resident", password)
        upload(page, "Knee follow-up, uploaded", clinic_wav)
        segments = page.locator(".segments")
        expect(segments).to_contain_text("150/90", timeout=DEADLINE_MS)
        text = segments.inner_text()
        assert "500 mg" in text and "15 mg" in text, text
        labels = set(page.locator(".segment-speaker").all_text_contents())
        assert labels and labels <= {"Clinician", "Patient"}, labels
        stored = list(TranscriptSegment.objects.all())
        heard = " ".join(s.heard_text for s in stored)
        assert "milligrams" in heard and "over" in heard, heard
        words = [w for s in stored for w in segment_words(s) or ()]
        assert words  # each word's probability kept
        fixes = [w for w in words if w.kind == DRUG]
        corrected = segments.locator(".word-corrected")
        assert corrected.count() == len(fixes)
        assert segments.locator(".word-heard").all_inner_texts() == [
            f"(heard \u2018{w.heard.rstrip('.,?!;:')}\u2019)" for w in fixes
        ]
        assert segments.locator("u.word-doubtful").count() == sum(
            doubtful(w) for w in words
        )
        screenshot(page, "transcription-upload-heard")
