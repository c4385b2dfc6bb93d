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


class TranscriptionCollector:
    """At scrape time: the figures of every worker (database, and Redis when set)."""

    def describe(self):
        """Nothing at registration: `collect` queries the database."""
        return []

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        from transcription import selectors

        try:
            by_engine = selectors.session_counts_by_engine()
            open_by_engine = selectors.open_session_counts_by_engine()
            audio = selectors.audio_seconds_total()
        except Exception:  # the database is down: /health/ready reports it
            return
        sessions = GaugeMetricFamily(
            "noumaris_transcription_sessions",
            "Transcription sessions recorded, by engine",
            labels=["engine"],
        )
        for engine, count in by_engine.items():
            sessions.add_metric([engine], count)
        yield sessions
        live = GaugeMetricFamily(
            "noumaris_transcription_open_sessions",
            "Sessions recording or paused, by engine",
            labels=["engine"],
        )
        for engine, count in open_by_engine.items():
            live.add_metric([engine], count)
        yield live
        yield GaugeMetricFamily(
            "noumaris_transcription_audio_seconds",
            "Seconds of audio in every session",
            value=audio,
        )


_registered = False


def register_collector() -> None:
    global _registered
    if not _registered:
        from prometheus_client import REGISTRY

        REGISTRY.register(TranscriptionCollector())
        _registered = True
