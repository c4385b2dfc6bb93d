from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Background work: the task workers' heartbeats, the periodic clock, e-mails."""

    name = "noumaris.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self):
        from noumaris.jobs.metrics import register_collector

        register_collector()
