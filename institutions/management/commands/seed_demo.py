from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User

DEMO_PASSWORD = "noumaris-demo"  # noqa: S105 - documented demo credential, debug only


class Command(BaseCommand):
    help = "Create the demo users of DESIGN 'Demo data' (idempotent; debug only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates known passwords: it runs only with DJANGO_DEBUG=1."
            )
        with transaction.atomic():
            superadmin, created = User.objects.get_or_create(
                username="superadmin",
                defaults={
                    "email": "superadmin@noumaris.local",
                    "first_name": "Sam",
                    "last_name": "Super",
                },
            )
            superadmin.is_superadmin = True
            superadmin.is_superuser = True
            superadmin.is_staff = True
            superadmin.set_password(DEMO_PASSWORD)
            superadmin.save()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
