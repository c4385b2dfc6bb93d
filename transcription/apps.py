import datetime as dt

from django.apps import AppConfig


class TranscriptionConfig(AppConfig):
    name = "transcription"
    verbose_name = "Transcription"

    def ready(self):
        from noumaris.common.jobs.periodic import periodic_register
        from transcription import tasks
        from transcription.metrics import register_collector

        register_collector()
        periodic_register(
            "transcription.tickets_purge",
            dt.timedelta(hours=1),
            tasks.tickets_purge,
            doc="Delete WebSocket tickets that expired or were spent.",
        )
        periodic_register(
            "transcription.orphans_pause",
            dt.timedelta(minutes=1),
            tasks.sessions_mark_orphans_paused,
            doc="Pause recordings whose server died (no socket for 90 s): Resume shows.",
        )
        periodic_register(
            "transcription.retained_audio_purge",
            dt.timedelta(hours=1),
            tasks.retained_audio_purge,
            doc="Delete kept upload recordings whose institution's retention ran out.",
        )
