"""Prometheus figures of the live-transcription sockets (this process), in /metrics."""

from prometheus_client import Counter, Gauge

OPEN_CONNECTIONS = Gauge(
    "noumaris_ws_open_connections", "Live-transcription sockets open in this process"
)
SESSIONS = Counter(
    "noumaris_ws_sessions", "Transcription sessions started or resumed", ["engine"]
)
AUDIO_SECONDS = Counter(
    "noumaris_ws_audio_seconds", "Seconds of audio received", ["engine"]
)
SEGMENTS = Counter("noumaris_ws_final_segments", "Final transcript segments stored")
ERRORS = Counter("noumaris_ws_errors", "Errors sent to sockets", ["code"])
