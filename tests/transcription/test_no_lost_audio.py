"""A window Whisper fails on (a repetition loop over a recording's opening) is decoded
again before anything is dropped: the words after it are kept (issue 23, item 6)."""

import subprocess
import wave

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.services import require_executable
from transcription.engines.decoding import kept
from transcription.engines.whisper import whisper_model
from transcription.heard import segment_words
from transcription.models import TranscriptionSession

pytestmark = pytest.mark.django_db
RATE = 16000


@pytest.fixture(autouse=True)
def tiny_en(settings):
    """tiny.en, live and as an upload: this recording is made to loop on tiny.en's
    first decode of its opening (the failure the re-decoding recovers from); the
    upload default, base, is another model with other failures."""
    settings.WHISPER_MODEL = settings.WHISPER_UPLOAD_MODEL = "tiny.en"


def espeak(folder, name: str, text: str) -> np.ndarray:
    espeak_ng = require_executable("espeak-ng", "the speech test audio")
    sox = require_executable("sox", "resampling the speech test audio")
    raw, out = folder / f"{name}.wav", folder / f"{name}-16k.wav"
    subprocess.run([espeak_ng, "-s", "165", "-w", str(raw), text], check=True)
    subprocess.run(
        [sox, str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out)], check=True
    )
    with wave.open(str(out)) as handle:
        pcm = handle.readframes(handle.getnframes())
    return np.frombuffer(pcm, dtype="<i2")


@pytest.fixture(scope="session")
def looping_opening(tmp_path_factory):
    """14 s of a repeated "R.A.", a second of silence, then a greeting: tiny.en
    decodes the first 30-second window as one loop."""
    folder = tmp_path_factory.mktemp("loop")
    chant = espeak(folder, "chant", " ".join(["R.A."] * 10))
    greeting = espeak(
        folder,
        "greeting",
        "Good morning Mister Jones, I am doctor Smith. What brings you in today?",
    )
    gap = np.zeros(RATE, dtype="<i2")
    samples = np.concatenate([chant, chant, gap, greeting, gap])
    path = folder / "looping-opening.wav"
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(RATE)
        handle.writeframes(samples.tobytes())
    greeting_ms = (2 * len(chant) + len(gap)) * 1000 // RATE
    return path, samples.astype(np.float32) / 32768.0, greeting_ms


def test_the_opening_loops_when_decoded_once(looping_opening, settings):
    """The audio reproduces the failure: one pass at temperature 0 (the old upload
    path) drops the window, greeting and all."""
    _, samples, _ = looping_opening
    segments, _ = whisper_model().transcribe(
        samples,
        language="en",
        beam_size=settings.WHISPER_BEAM_SIZE,
        temperature=0.0,
        vad_filter=True,
        condition_on_previous_text=False,
    )
    kept_text = " ".join(s.text for s in segments if kept(s)).lower()
    assert "good morning" not in kept_text


def test_an_upload_whose_opening_looped_keeps_its_first_words(
    api,
    resident,
    looping_opening,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    settings.UPLOAD_DIR = tmp_path / "waiting"
    path, _, greeting_ms = looping_opening
    api.force_login(resident)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/transcription/sessions/upload",
            {
                "file": SimpleUploadedFile(path.name, path.read_bytes()),
                "consent": True,
            },
            format="multipart",
        )
    assert response.status_code == 202, response.json()
    session = TranscriptionSession.objects.get(pk=response.json()["id"])
    assert session.status == "stopped"
    segments = list(session.segments.order_by("seq"))
    text = " ".join(s.text for s in segments).lower()
    assert "good morning" in text and "jones" in text, text
    greeting = next(s for s in segments if "good morning" in s.text.lower())
    # Its time is the greeting's, after the chanting.
    assert greeting_ms - 1000 <= greeting.start_ms <= greeting_ms + 500
    # Re-decoded alone, each piece keeps its words (times on the recording's clock,
    # probabilities), so its doubtful words are still marked.
    for segment in segments:
        words = segment_words(segment)
        assert words is not None, (segment.text, segment.words)
        assert segment.start_ms - 500 <= words[0].start_ms
        assert words[-1].end_ms <= segment.end_ms + 500


class SkippingFirstPass:
    """Whisper as one sampled first pass once left this recording (seen under the
    suite, whose CTranslate2 sampling is seeded at random): its one window failed
    (a fallback temperature) with its first segment 16.1 s into it, past the
    greeting's first words. Re-decodes go to the real model."""

    def __init__(self, model, greeting_ms: int):
        self.model, self.greeting_ms = model, greeting_ms

    def transcribe(self, audio, **options):
        if not options.get("vad_filter"):
            return self.model.transcribe(audio, **options)
        from faster_whisper.transcribe import Segment

        start = self.greeting_ms / 1000 + 1.0  # "to Jones and Doctor Smith"
        late = Segment(
            id=1,
            seek=0,
            start=start,
            end=start + 3.8,
            text=" to Jones and Doctor Smith, what brings you into May?",
            tokens=[],
            avg_logprob=-0.9,
            compression_ratio=1.2,
            no_speech_prob=0.1,
            words=None,
            temperature=0.4,
        )
        return iter([late]), None


def test_a_failed_window_is_decoded_again_from_where_it_began(
    looping_opening, settings
):
    """What a failed window skipped before its first segment is decoded again too:
    the greeting keeps its first words."""
    from transcription.engines.decoding import decode_recording

    _, samples, greeting_ms = looping_opening
    heard = decode_recording(
        SkippingFirstPass(whisper_model(), greeting_ms),
        samples,
        beam_size=settings.WHISPER_BEAM_SIZE,
    )
    text = " ".join(h.text for h in heard).lower()
    assert "good morning" in text, text
    greeting = next(h for h in heard if "good morning" in h.text.lower())
    assert greeting.start * 1000 <= greeting_ms + 500


class SkippedAsSilence:
    """Whisper's first pass as faster-whisper leaves it when the temperature
    fallback's last, sampled try of the looping window scores as silence (no-speech
    probability over 0.6, log-probability under -1): the window is skipped without a
    segment. Seen with 7 of 12 CTranslate2 seeds on this recording. Re-decodes go to
    the real model."""

    def __init__(self, model):
        self.model = model

    def transcribe(self, audio, **options):
        if not options.get("vad_filter"):
            return self.model.transcribe(audio, **options)
        return iter(()), None


def test_speech_the_first_pass_skipped_is_decoded_again(looping_opening, settings):
    """Speech that no segment of the first pass covers is decoded again: a window
    skipped as silence does not take the greeting with it."""
    from transcription.engines.decoding import decode_recording

    _, samples, greeting_ms = looping_opening
    heard = decode_recording(
        SkippedAsSilence(whisper_model()),
        samples,
        beam_size=settings.WHISPER_BEAM_SIZE,
    )
    text = " ".join(h.text for h in heard).lower()
    assert "good morning" in text and "jones" in text, text
    greeting = next(h for h in heard if "good morning" in h.text.lower())
    assert greeting_ms - 1000 <= greeting.start * 1000 <= greeting_ms + 500
