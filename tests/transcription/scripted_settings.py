"""A live server's settings with the scripted test engine (tests/transcription/
scripted_engine.py) as its speech engine."""

from tests.server_settings import *  # noqa: F403 - the suite's servers'

TRANSCRIPTION_ENGINE = "scripted"
TRANSCRIPTION_ENGINE_CLASSES = {
    "scripted": "tests.transcription.scripted_engine.ScriptedEngine"
}
