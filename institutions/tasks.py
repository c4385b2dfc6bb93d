"""Periodic tasks of the institutions app (scheduled in noumaris.common.jobs.periodic)."""

from django_tasks import task

from institutions.services.invitations import invitations_expire as expire


@task()
def invitations_expire() -> int:
    return expire()
