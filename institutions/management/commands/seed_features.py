from django.core.management.base import BaseCommand

from institutions.services.features import CATALOGUE, feature_seed


class Command(BaseCommand):
    help = "Create the features of DESIGN 'Roles' that are missing (idempotent)."

    def handle(self, *args, **options):
        created = feature_seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(CATALOGUE)} features present, {len(created)} created."
            )
        )
