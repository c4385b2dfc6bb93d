import datetime as dt

from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    default = True  # this module also holds knox's config (ApiTokensConfig)
    name = "institutions"
    verbose_name = "Institutions and people"

    def ready(self):
        from institutions import tasks
        from institutions.emails import invitation_email_message
        from noumaris.common.jobs.email import email_kind_register
        from noumaris.common.jobs.periodic import periodic_register

        email_kind_register("invitation", invitation_email_message)
        periodic_register(
            "institutions.invitations_expire",
            dt.timedelta(hours=1),
            tasks.invitations_expire,
            doc="Mark pending invitations past their 7 days expired (seats freed).",
        )


class ApiTokensConfig(AppConfig):
    """django-rest-knox's app under the name people read in the admin."""

    default = False
    name = "knox"
    verbose_name = "API tokens"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        token = self.get_model("AuthToken")
        token._meta.verbose_name = "API token"
        token._meta.verbose_name_plural = "API tokens"
