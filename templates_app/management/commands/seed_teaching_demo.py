from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from templates_app.demo import teaching_demo_seed


class Command(BaseCommand):
    help = (
        "Give the demo's `resident` notes in every supervision state: co-signed with "
        "feedback, returned with a comment on the plan, overdue (after seed_demo; "
        "idempotent; debug only)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_teaching_demo runs only with DJANGO_DEBUG=1.")
        users = User.objects.filter(username__in=["resident", "attending"])
        people = {user.username: user for user in users}
        if len(people) != 2:
            raise CommandError("Run seed_demo first.")
        with transaction.atomic():
            teaching_demo_seed(
                resident=people["resident"], attending=people["attending"]
            )
        self.stdout.write(self.style.SUCCESS("Teaching demo notes ready."))
