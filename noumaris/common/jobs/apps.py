import datetime as dt

from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Background work: the task workers' heartbeats, the periodic clock, e-mails."""

    name = "noumaris.common.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self):
        from noumaris.common.jobs.metrics import register_collector
        from noumaris.common.jobs.periodic import periodic_register
        from noumaris.common.jobs.services import tasks_of_dead_workers_fail
        from noumaris.common.jobs.tasks import task_results_prune

        register_collector()
        periodic_register(
            "tasks.fail_of_dead_workers",
            dt.timedelta(seconds=5),
            tasks_of_dead_workers_fail,
            inline=True,
            doc="Mark the running tasks of a worker that stopped beating as failed.",
        )
        periodic_register(
            "tasks.results_prune",
            dt.timedelta(days=1),
            task_results_prune,
            doc="Delete finished task rows over 7 days old, and old heartbeats.",
        )
