"""The recording state of one socket, without a socket (transcription.recording)."""

import pytest

from transcription import recording as r
from transcription.engines import Result
from transcription.recording import AudioPacer, Recording, RecordingError

FRAME = 3200  # 100 ms of 16 kHz 16-bit audio


def final(text: str, end_ms: int = 100) -> Result:
    return Result(text=text, is_final=True, start_ms=0, end_ms=end_ms)


def interim(text: str) -> Result:
    return Result(text=text, is_final=False)


def started(last_seq: int = 0, **clock) -> Recording:
    recording = Recording()
    recording.start(session_id=7, last_seq=last_seq, now=0.0, **clock)
    return recording


def test_it_moves_through_start_pause_resume_stop():
    recording = Recording()
    with pytest.raises(RecordingError) as error:
        recording.pause()
    assert error.value.code == "not_started"
    recording.start(session_id=7, last_seq=0, now=0.0)
    assert recording.state == "recording" and recording.is_live
    assert recording.pause() is True and recording.state == "paused"
    assert recording.pause() is False  # pausing twice changes nothing
    assert recording.resume() is True and recording.state == "recording"
    assert recording.resume() is False
    recording.stop()
    assert recording.state == "stopping" and not recording.is_live
    with pytest.raises(RecordingError) as error:
        recording.start(session_id=8, last_seq=0, now=0.0)
    assert error.value.code == "already_started"


def test_audio_before_start_is_refused_and_paused_audio_is_not_counted():
    recording = Recording()
    with pytest.raises(RecordingError) as error:
        recording.audio(FRAME, now=0.0)
    assert error.value.code == "not_started"
    recording.start(session_id=7, last_seq=0, now=0.0)
    assert recording.audio(FRAME, now=0.1) is True
    recording.pause()
    assert recording.audio(FRAME, now=0.2) is False
    assert recording.unsaved_seconds() == pytest.approx(0.1)
    assert recording.unsaved_seconds() == 0  # saved once
    recording.resume()
    recording.audio(FRAME, now=0.3)
    seconds = recording.unsaved_seconds()
    recording.unsaved_restore(seconds)  # that save failed
    assert recording.unsaved_seconds() == pytest.approx(0.1)


def test_real_time_audio_goes_on_for_an_hour():
    recording = started()
    for n in range(36000):  # 100 ms frames every 100 ms
        assert recording.audio(FRAME, now=n * 0.1)
    assert recording.unsaved_seconds() == pytest.approx(3600)


def test_a_burst_is_allowed_up_to_its_depth_then_a_flood_is_refused():
    recording = started()
    sent = 0
    with pytest.raises(RecordingError) as error:
        for _ in range(2000):  # 200 s of audio at once
            recording.audio(FRAME, now=1.0)
            sent += 1
    assert error.value.code == "audio_too_fast"
    # The second since the start, and the burst ahead of it.
    assert sent == int((1.0 + r.AUDIO_BURST_SECONDS) * 10)
    assert "as it is recorded" in error.value.message


def test_the_pacer_lets_audio_run_only_its_burst_ahead_of_real_time():
    pacer = AudioPacer(now=0.0, burst_seconds=2.0)
    assert pacer.take(64000, now=0.0)  # the whole burst
    assert not pacer.take(3200, now=0.0)
    assert pacer.take(32000, now=1.0)  # 1 s later, 1 s more
    assert not pacer.take(3200, now=1.0)
    # Late audio keeps what it is owed: after 60 s of nothing, 60 s at once.
    assert pacer.take(60 * 32000, now=61.0)
    assert not pacer.take(3200, now=61.0)


def test_a_client_read_late_and_in_bunches_is_never_refused():
    """A loaded server reads a real-time client's frames seconds late, in bunches
    (here up to 40 s of audio at a time, four times the burst): an hour of it goes
    through, as it would have at an even pace."""
    recording = started()
    spoken = 0.0  # the audio the client has recorded and sent, seconds
    stalls = [0.2, 40.0, 3.0, 12.0, 0.1, 25.0]  # how late the server reads, seconds
    n = 0
    while spoken < 3600:
        read_at = spoken + stalls[n % len(stalls)]  # everything up to now, at once
        while spoken < read_at - 0.1:
            assert recording.audio(FRAME, now=read_at)
            spoken += 0.1
        n += 1
    assert recording.unsaved_seconds() == pytest.approx(spoken)


def test_a_resumed_page_resends_what_it_kept_and_a_flood_is_still_refused():
    # The session began 400 s ago and holds 100 s; the page kept 5 min through a
    # network cut and resends it at 1.3 times real time, then records on.
    recording = started(audio_seconds=100.0, age_seconds=400.0)
    for n in range(3000):
        assert recording.audio(FRAME, now=n * 0.1 / 1.3)
    # A session that already holds what its time allows may burst only so far.
    ahead = started(audio_seconds=395.0, age_seconds=400.0)
    sent = 0
    with pytest.raises(RecordingError) as error:
        for _ in range(2000):
            ahead.audio(FRAME, now=0.0)
            sent += 1
    assert error.value.code == "audio_too_fast"
    assert sent == int((400 - 395 + r.AUDIO_BURST_SECONDS) * 10)


def test_finals_wait_in_order_and_are_acknowledged_only_once_stored():
    recording = started(last_seq=4)
    assert recording.result(interim("the pa")) == interim("the pa")  # nothing queued
    recording.result(final("one"))
    recording.result(final("two"))
    assert recording.result(interim("thr")) is None  # held behind the finals
    assert [p.seq for p in recording.outbox] == [5, 6]
    assert recording.last_seq == 4
    head = recording.next_final()
    assert head.result.text == "one" and head.seq == 5
    assert recording.stored(5) is None
    assert recording.last_seq == 5
    assert recording.stored(6) == interim("thr")  # caught up: the newest interim
    assert recording.next_final() is None


def test_a_final_supersedes_the_interim_held_before_it():
    recording = started()
    recording.result(final("one"))
    recording.result(interim("tw"))
    recording.result(final("two"))
    recording.stored(1)
    assert recording.stored(2) is None


def test_a_number_taken_by_another_socket_shifts_the_ones_behind_it():
    recording = started()
    recording.result(final("one"))
    recording.result(final("two"))
    recording.stored(3)  # a resume racing an old socket took 1 and 2
    assert recording.next_final().seq == 4


def test_a_store_after_a_delay_ends_the_catching_up():
    recording = started()
    recording.result(final("one"))
    assert recording.store_delayed() is True  # the page hears it once
    assert recording.store_delayed() is False
    assert recording.catching_up
    recording.stored(1)
    assert not recording.catching_up
    recording.result(final("two"))
    assert recording.store_delayed() is True  # a fresh delay, told again


def test_the_outbox_is_bounded(monkeypatch):
    monkeypatch.setattr(r, "OUTBOX_LIMIT", 3)
    recording = started()
    for n in range(3):
        recording.result(final(str(n)))
    with pytest.raises(RecordingError) as error:
        recording.result(final("3"))
    assert error.value.code == "storage_unavailable"
