"""Background tasks of the notes app (Django's task framework, django-tasks)."""

from django_tasks import TaskContext, task

from templates_app.drafting import jobs, runner
from templates_app.supervision.services import cosign_reminders_send


@task(takes_context=True, queue_name="drafts")
async def note_draft(context: TaskContext, job_id: int) -> str:
    """Draft a note in a worker (templates_app.drafting.runner.draft_run)."""
    result = context.task_result
    return await runner.draft_run(
        job_id=job_id, task_id=str(result.id), worker_id=result.worker_ids[-1]
    )


@task()
def draft_events_purge() -> int:
    return jobs.draft_events_purge()


@task()
def send_cosign_reminders() -> int:
    """E-mail attendings about overdue co-signatures (at most one a day each)."""
    return cosign_reminders_send()
