"""`POST notes/<id>/generate`: claim the note for drafting and queue the task."""

from __future__ import annotations

from django.db import transaction

from templates_app.drafting.claim import note_generation_begin
from templates_app.drafting.jobs import events_store
from templates_app.models import DraftJob
from templates_app.tasks import note_draft


@transaction.atomic
def note_draft_enqueue(*, user, note_id, section: str = "") -> DraftJob:
    """Claim the note for drafting and queue the work; the job answers at once."""
    job = note_generation_begin(user=user, note_id=note_id, section=section)
    draft = DraftJob.objects.create(
        note_id=job.note_id, requested_by=user, section=section
    )
    events_store(draft, [("queued", {"note": job.note_id, "section": section})])
    transaction.on_commit(lambda: _enqueue(draft.pk), robust=True)
    return draft


def _enqueue(job_id: int) -> None:
    result = note_draft.enqueue(job_id=job_id)
    # The reaper asks the task framework about a job no worker started.
    DraftJob.objects.filter(pk=job_id, task_id="").update(task_id=str(result.id))
