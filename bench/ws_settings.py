"""Settings for bench/ws.py only: the app's settings plus the instant engine."""

from noumaris.settings import *  # noqa: F403

TRANSCRIPTION_ENGINE = "instant"
TRANSCRIPTION_BENCH_ENGINE = True
