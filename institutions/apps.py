from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    name = "institutions"
    verbose_name = "Institutions and people"


class ApiTokensConfig(AppConfig):
    """django-rest-knox's app under the name people read in the admin."""

    name = "knox"
    verbose_name = "API tokens"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        token = self.get_model("AuthToken")
        token._meta.verbose_name = "API token"
        token._meta.verbose_name_plural = "API tokens"
