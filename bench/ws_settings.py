"""Settings for bench/ws.py only: the app's settings plus the instant engine."""

from noumaris.settings import *  # noqa: F403

TRANSCRIPTION_ENGINE = "instant"
TRANSCRIPTION_ENGINE_CLASSES = {"instant": "bench.instant_engine.InstantEngine"}
