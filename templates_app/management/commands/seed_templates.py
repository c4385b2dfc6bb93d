from django.core.management.base import BaseCommand

from templates_app.library import template_seed_global
from templates_app.seed_data import TEMPLATES


class Command(BaseCommand):
    help = "Install or refresh the global note templates and their tags (idempotent)."

    def handle(self, *args, **options):
        for spec in TEMPLATES:
            template, created = template_seed_global(spec=spec)
            if options["verbosity"] > 1:
                verb = "created" if created else "up to date or refreshed"
                self.stdout.write(f"{template.name} (v{template.version}): {verb}")
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(f"{len(TEMPLATES)} templates seeded."))
