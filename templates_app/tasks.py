"""Background tasks of the notes app (Django's task framework)."""

from django_tasks import TaskContext, task

from templates_app import streaming


@task(takes_context=True)
async def note_draft(context: TaskContext, job_id: int) -> str:
    """Draft a note in a worker (templates_app.streaming.draft_run)."""
    result = context.task_result
    return await streaming.draft_run(
        job_id=job_id, task_id=str(result.id), worker_id=result.worker_ids[-1]
    )


@task()
def draft_events_purge() -> int:
    return streaming.draft_events_purge()
