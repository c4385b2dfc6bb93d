"""Periodic upkeep of the task store itself."""

from django.core.management import call_command
from django_tasks import task

from noumaris.common.jobs.services import heartbeats_purge


@task()
def task_results_prune() -> str:
    """Finished task rows older than 7 days go (django_tasks_db's own command)."""
    call_command("prune_db_task_results", queue_name="*", min_age_days=7, verbosity=0)
    return f"heartbeats purged: {heartbeats_purge()}"
