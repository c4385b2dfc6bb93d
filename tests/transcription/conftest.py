"""Helpers for the transcription tests: a fake Deepgram, sockets, speech WAVs."""

import contextlib
import faulthandler
import json
import re
import subprocess
import sys
import wave

import pytest
from channels.testing import WebsocketCommunicator

from noumaris.routing import ThreadPerSocket
from tests.fakes.deepgram_server import FakeDeepgram
from tests.services import require_executable
from tests.waiting import DEADLINE
from transcription.consumers import TranscribeConsumer


@pytest.fixture
def fake_deepgram(settings):
    """A local Deepgram; the app's Deepgram engine is pointed at it."""
    server = FakeDeepgram().start()
    settings.TRANSCRIPTION_ENGINE = "deepgram"
    settings.DEEPGRAM_URL = server.url
    settings.DEEPGRAM_API_KEY = server.api_key
    yield server
    server.stop()


FRAME = b"\x01\x00" * 1600  # 100 ms


@pytest.fixture
def instant_engine(settings):
    """The engine-free test engine: an interim per frame, a final every 10."""
    settings.TRANSCRIPTION_ENGINE = "instant"
    settings.TRANSCRIPTION_ENGINE_CLASSES = {
        "instant": "bench.instant_engine.InstantEngine"
    }
    settings.WS_MAX_CONNECTIONS_PER_USER = 3


def frames(first: int, count: int) -> list[bytes]:
    """`count` 100 ms frames, each numbered from `first` in its first 8 bytes."""
    return [n.to_bytes(8, "little") + FRAME[8:] for n in range(first, first + count)]


@pytest.fixture
def offline_engine(settings):
    settings.TRANSCRIPTION_ENGINE = "offline"
    settings.DEEPGRAM_API_KEY = ""


class Communicator(WebsocketCommunicator):
    """Channels' test client, whose waits end at the suite's deadline (a hang), not
    at Channels' 1 s: on a busy machine a consumer's connect alone can take that."""

    async def connect(self, timeout=DEADLINE):  # noqa: ASYNC109
        return await super().connect(timeout)

    async def receive_from(self, timeout=DEADLINE):  # noqa: ASYNC109
        return await super().receive_from(timeout)

    async def receive_json_from(self, timeout=DEADLINE):  # noqa: ASYNC109
        return await super().receive_json_from(timeout)

    async def receive_output(self, timeout=DEADLINE):  # noqa: ASYNC109
        return await super().receive_output(timeout)

    async def disconnect(self, code=1000, timeout=DEADLINE):  # noqa: ASYNC109
        return await super().disconnect(code, timeout)


def socket_for(user, path: str = "/ws/transcribe/") -> Communicator:
    """A communicator straight to the consumer, with `user` signed in."""
    communicator = Communicator(ThreadPerSocket(TranscribeConsumer.as_asgi()), path)
    communicator.scope["user"] = user
    return communicator


@contextlib.asynccontextmanager
async def connected(user, path: str = "/ws/transcribe/"):
    """A connected socket that is always disconnected afterwards."""
    communicator = socket_for(user, path)
    connected_, _ = await communicator.connect()
    assert connected_
    try:
        yield communicator
    finally:
        await communicator.disconnect()


async def send(communicator, payload: dict) -> None:
    await communicator.send_to(text_data=json.dumps(payload))


async def receive(communicator, wait: float = DEADLINE) -> dict:
    try:
        return json.loads(await communicator.receive_from(wait))
    except TimeoutError:
        # Say where every thread is (the database thread above all), so that a rare
        # timeout in CI leaves its cause in the log.
        sys.stderr.write(f"--- no message within {wait} s; the threads now:\n")
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        raise


async def receive_until(
    communicator, kind: str, wait: float = DEADLINE, *, state: str | None = None
) -> list[dict]:
    """Every message up to and including the first of type `kind` (and, when
    given, in `state`). A final stored slowly on a busy machine sends a
    `catching_up` status and then the state it returns to, so a test that waits
    for a stop or a pause names the state it waits for."""
    messages = []
    while True:
        message = await receive(communicator, wait)
        messages.append(message)
        if message["type"] == kind and state in (None, message.get("state")):
            return messages


async def expect_close(communicator, code: int, wait: float = DEADLINE) -> None:
    output = await communicator.receive_output(wait)
    assert output == {"type": "websocket.close", "code": code}


START = {
    "type": "start",
    "sample_rate": 16000,
    "encoding": "linear16",
    "language": "en",
}


def start_message(**extra) -> dict:
    return {**START, "consent": True, **extra}


def espeak_wav(folder, text: str, *, name="speech", pad=(0.5, 1.5), speed=150):
    """`text` spoken by espeak-ng as a 16 kHz mono WAV in `folder`, padded with
    `pad` seconds of silence before and after."""
    espeak = require_executable("espeak-ng", "the speech test audio")
    sox = require_executable("sox", "resampling the speech test audio")
    raw, out = folder / f"{name}-raw.wav", folder / f"{name}-16k.wav"
    subprocess.run([espeak, "-s", str(speed), "-w", str(raw), text], check=True)
    subprocess.run(
        [sox, str(raw), "-r", "16000", "-c", "1", "-b", "16", str(out)]
        + ["pad", str(pad[0]), str(pad[1])],
        check=True,
    )
    return out


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory):
    """A 16 kHz mono WAV of synthetic speech (espeak-ng), sentences apart."""
    text = (
        "The patient reports chest pain for two days. [[_::_::_::]] "
        "She has no fever and no cough. [[_::_::_::]] "
        "Blood pressure is one twenty over eighty."
    )
    return espeak_wav(tmp_path_factory.mktemp("speech"), text)


def wav_pcm(path) -> bytes:
    with wave.open(str(path)) as handle:
        assert handle.getframerate() == 16000 and handle.getnchannels() == 1
        return handle.readframes(handle.getnframes())


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient()


# A short encounter, the clinician in one voice and the patient in another.
DIALOGUE = [
    ("clinician", "Good morning. What brings you in today?"),
    ("patient", "I have had a bad cough for two weeks, and I feel tired all the time."),
    ("clinician", "Do you have any fever, or shortness of breath?"),
    ("patient", "No fever, but I get short of breath when I climb the stairs."),
    ("clinician", "I am going to listen to your lungs. Take a deep breath for me."),
    ("clinician", "Your lungs sound clear. I think this is a viral bronchitis."),
    ("patient", "That is a relief. Do I need antibiotics?"),
]
VOICES = {"clinician": "en-us", "patient": "en-gb+f3"}


@pytest.fixture(scope="session")
def dialogue_wav(tmp_path_factory):
    """`DIALOGUE` spoken by espeak-ng (16 kHz mono WAV, lines 0.8 s apart) and each
    line's role and span in milliseconds."""
    espeak = require_executable("espeak-ng", "the speech test audio")
    sox = require_executable("sox", "resampling the speech test audio")
    folder = tmp_path_factory.mktemp("dialogue")
    gap = bytes(int(0.8 * 16000) * 2)
    pcm, spans = bytearray(gap), []
    for n, (role, text) in enumerate(DIALOGUE):
        raw, out = folder / f"{n}.wav", folder / f"{n}-16k.wav"
        subprocess.run(
            [espeak, "-v", VOICES[role], "-s", "160", "-w", str(raw), text], check=True
        )
        subprocess.run(
            [sox, str(raw), "-r", "16000", "-c", "1", "-b", "16", str(out)], check=True
        )
        start = len(pcm) // 32
        pcm += wav_pcm(out) + gap
        spans.append((role, start, (len(pcm) - len(gap)) // 32))
    path = folder / "dialogue-16k.wav"
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(16000)
        handle.writeframes(bytes(pcm))
    return path, spans


def role_heard(text: str, start_ms: int, end_ms: int, spans) -> str:
    """The role of the spoken line whose words a segment shares most (of those it
    overlaps in time, the nearest when none)."""

    def words(said: str) -> set[str]:
        return set(re.findall(r"[a-z]+", said.lower()))

    def overlap(n: int) -> int:
        return min(end_ms, spans[n][2]) - max(start_ms, spans[n][1])

    shared = [len(words(text) & words(line)) for _, line in DIALOGUE]
    best = max(range(len(spans)), key=lambda n: (overlap(n) > 0, shared[n], overlap(n)))
    return spans[best][0]
