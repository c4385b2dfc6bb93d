from django.core.management.base import BaseCommand, CommandError

from accounts.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Check the audit log's hash chain; exit 1 naming the first broken row."

    def handle(self, *args, **options):
        checked, broken = audit_chain_verify()
        if broken:
            raise CommandError(
                f"Audit log broken at row {broken.row_id}: {broken.reason} "
                f"({checked} rows before it are intact)."
            )
        self.stdout.write(
            self.style.SUCCESS(f"Audit log intact: {checked} rows verified.")
        )
