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


def fake_microphone(wav) -> list[str]:
    """Chromium's switches for a microphone that plays `wav` (in a loop)."""
    return [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}",
        "--autoplay-policy=no-user-gesture-required",
    ]


def start_recording(browser, base: str, password: str):
    """The resident signed in at `base`, recording a new encounter."""
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    sign_in(page, base, "resident", password)
    page.goto(base + "/encounters/new")
    page.get_by_label("The patient agreed to this encounter being recorded.").check()
    page.get_by_role("button", name="Start recording").click()
    return page


def test_a_resident_records_an_encounter_and_reads_it_back(
    transactional_db, resident, password, speech_wav
):
    fake_audio = fake_microphone(speech_wav)
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
        page.wait_for_selector("#rec-state:text('Recording')")
        page.wait_for_selector("#transcript .line.final")
        words = page.locator("#transcript .line.final").first.inner_text()
        assert len(words.split()) >= 2
        assert page.locator("#rec-timer").inner_text() != "0:00"
        screenshot(page, "transcription-recording")

        page.get_by_role("button", name="Pause").click()
        page.wait_for_selector("#rec-state:text('Paused')")
        # Paused: the meter stands still although the microphone still hears.
        page.wait_for_timeout(400)
        levels = set()
        for _ in range(5):
            levels.add(page.locator("#rec-meter").evaluate("e => e.style.transform"))
            page.wait_for_timeout(150)
        assert levels == {"scaleX(0)"} or levels == {"scaleX(0.000)"}
        page.get_by_role("button", name="Resume").click()
        page.wait_for_selector("#rec-state:text('Recording')")
        page.get_by_role("button", name="Stop and save").click()
        page.wait_for_url(re.compile(r".*/encounters/\d+$"))
        assert page.get_by_role("heading", name="Bed 4, chest pain").is_visible()
        assert page.locator(".segment").count() >= 1
        assert page.get_by_text("Saved").first.is_visible()
        screenshot(page, "transcription-encounter")

        page.goto(base + "/")
        assert page.get_by_role("link", name="Bed 4, chest pain").is_visible()
        screenshot(page, "transcription-dashboard")


def test_a_resident_without_the_feature_is_refused_with_the_reason(
    plain_server, resident2, password
):
    base = plain_server
    with chromium() as browser:
        page = browser.new_page()
        sign_in(page, base, "resident2", password)
        page.goto(base + "/encounters/new")
        alert = page.get_by_role("alert")
        assert "Recording is not available to you." in alert.inner_text()
        assert "granted" in alert.inner_text().lower()
        assert page.get_by_role("button", name="Start recording").count() == 0
        screenshot(page, "transcription-not-granted")


def test_the_recording_survives_a_network_blip_in_one_session(
    transactional_db, resident, password, speech_wav
):
    from tests.fakes.tcp_proxy import TcpProxy
    from transcription.models import TranscriptionSession

    fake_audio = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={speech_wav}",
    ]
    with (
        live_server(TRANSCRIPTION_ENGINE="offline") as server,
        chromium(fake_audio) as browser,
    ):
        proxy = TcpProxy("127.0.0.1", int(server.rsplit(":", 1)[1]))
        proxy.start()
        try:
            page = start_recording(browser, f"http://127.0.0.1:{proxy.port}", password)
            page.wait_for_selector("#transcript .line")

            proxy.stop()  # the network goes away
            page.wait_for_selector("#rec-state:text('Reconnecting')")
            assert "Reconnecting" in page.get_by_role("alert").inner_text()
            screenshot(page, "transcription-reconnecting")
            page.wait_for_timeout(1500)
            proxy.start()  # and comes back
            page.wait_for_selector("#rec-state:text('Recording')")
            resumed_at = TranscriptionSession.objects.get(owner=resident).audio_seconds
            page.wait_for_timeout(6000)  # speech after the blip
            page.get_by_role("button", name="Stop and save").click()
            page.wait_for_url(re.compile(r".*/encounters/\d+$"))
            assert page.locator(".segment").count() >= 1
        finally:
            proxy.stop()
    sessions = list(TranscriptionSession.objects.filter(owner=resident))
    assert len(sessions) == 1 and sessions[0].status == "stopped"
    session = sessions[0]
    seqs = list(session.segments.values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    # The words spoken after the blip were transcribed into the same encounter.
    assert session.audio_seconds > resumed_at + 4
    last_end = session.segments.order_by("-seq").first().end_ms
    assert last_end > resumed_at * 1000


def test_a_recording_across_a_network_cut_and_a_database_blip_keeps_every_word(
    transactional_db, resident, password, speech_wav
):
    """The page keeps what was not acknowledged through a cut network, shows
    "Catching up" while PostgreSQL is away, and ends with every final once."""
    from django.db import connection

    from tests.fakes.tcp_proxy import TcpProxy
    from tests.services import require_postgres
    from tests.transcription.faults import take_test_database_away
    from transcription.models import TranscriptionSession

    require_postgres()
    connection.ensure_connection()
    spare = connection.connection.info.backend_pid
    fake_audio = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={speech_wav}",
    ]
    with (
        live_server(DJANGO_SETTINGS_MODULE="bench.ws_settings") as server,
        chromium(fake_audio) as browser,
    ):
        proxy = TcpProxy("127.0.0.1", int(server.rsplit(":", 1)[1]))
        proxy.start()
        try:
            page = start_recording(browser, f"http://127.0.0.1:{proxy.port}", password)
            page.wait_for_selector("#transcript .line.final")

            proxy.stop()  # the network goes away for 2 s
            page.wait_for_selector("#rec-state:text('Reconnecting')")
            page.wait_for_timeout(2000)
            proxy.start()
            page.wait_for_selector("#rec-state:text('Recording')")

            take_test_database_away(spare, 4)  # and then the database, for 4 s
            page.wait_for_selector("#rec-message:text('Catching up')", state="attached")
            screenshot(page, "transcription-catching-up")
            page.wait_for_selector("#recorder:not([data-catching-up])")
            page.wait_for_timeout(2000)
            shown = page.locator("#transcript .line.final").count()
            page.get_by_role("button", name="Stop and save").click()
            page.wait_for_url(re.compile(r".*/encounters/\d+$"))
        finally:
            proxy.stop()
    (session,) = TranscriptionSession.objects.filter(owner=resident)
    assert session.status == "stopped"
    rows = list(session.segments.values_list("seq", "start_ms", "end_ms", "text"))
    assert [seq for seq, *_ in rows] == list(range(1, len(rows) + 1))
    assert len(rows) >= shown >= 8
    # The test engine ends a final every 10 frames (1 s) a socket receives: the
    # finals follow each other through the cut and the blip, none twice, no
    # stretch of audio without one, up to the end of the audio counted.
    # (Their times may not rise with `seq` across a resume: a socket the cut left
    # open on the server adds its audio late; known, see the closing note.)
    ends = sorted(end for _, _, end, _ in rows)
    assert len(set(ends)) == len(ends)
    assert all(b - a <= 2000 for a, b in zip([0, *ends], ends, strict=False))
    assert ends[-1] >= session.audio_seconds * 1000 - 1000
