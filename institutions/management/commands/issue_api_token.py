"""`manage.py issue_api_token USERNAME --by ADMIN [--days N]`: a personal API token
for calling the API without the OpenID provider (printed once; only its digest is
kept). Revoke it in the admin (API tokens)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from institutions.services.api_tokens import DEFAULT_DAYS, api_token_issue
from noumaris.common.errors import NotFoundError
from noumaris.common.when import when


class Command(BaseCommand):
    help = "Issue a personal API token to a person (printed once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--by", required=True, help="the admin who issues it")
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS)

    def handle(self, *args, username, by, days, **options):
        users = get_user_model().objects
        try:
            user, actor = users.get(username=username), users.get(username=by)
            instance, token = api_token_issue(actor=actor, user=user, days=days)
        except get_user_model().DoesNotExist as error:
            raise CommandError("No such user.") from error
        except NotFoundError as error:
            raise CommandError(f"{by} cannot issue a token to {username}.") from error
        self.stdout.write(token)
        self.stderr.write(
            f"Token for {username}, expires {when(instance.expiry)}. "
            "Send it as: Authorization: Token <token>"
        )
