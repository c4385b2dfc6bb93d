"""`manage.py transcription_mark_orphans`: pause the recordings whose server died.

Run at start-up and periodically (the jobs worker schedules
`transcription.services.sessions.session_mark_orphans_paused`); safe beside live servers,
whose sockets touch their sessions every `connections.REFRESH_SECONDS`.
"""

from django.core.management.base import BaseCommand

from transcription.services.sessions import ORPHAN_SECONDS, session_mark_orphans_paused


class Command(BaseCommand):
    help = "Mark recording sessions that no socket holds as paused (resumable)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--idle-seconds",
            type=float,
            default=ORPHAN_SECONDS,
            help="untouched for this long means no socket holds it",
        )

    def handle(self, *args, idle_seconds, **options):
        count = session_mark_orphans_paused(idle_seconds=idle_seconds)
        self.stdout.write(f"{count} orphaned recording(s) marked paused.")
