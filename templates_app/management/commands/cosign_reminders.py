from django.core.management.base import BaseCommand

from templates_app.tasks import send_cosign_reminders


class Command(BaseCommand):
    help = (
        "Queue the overdue co-signature reminders (run it hourly from cron or the "
        "scheduler; each attending gets at most one e-mail a day)."
    )

    def handle(self, *args, **options):
        result = send_cosign_reminders.enqueue()
        self.stdout.write(f"Queued reminders as task {result.id}.")
