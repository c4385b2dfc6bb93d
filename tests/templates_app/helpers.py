"""Run a note's drafting the way a task worker does, and read its server-sent events."""

import json

from asgiref.sync import async_to_sync
from django.test import override_settings

from templates_app.drafting.enqueue import note_draft_enqueue
from templates_app.drafting.runner import draft_run
from templates_app.drafting.stream import sse_frame
from templates_app.selectors import draft_events_after


def parse_sse(raw: bytes | str) -> list[tuple[str, dict]]:
    text = raw.decode() if isinstance(raw, bytes) else raw
    events = []
    for block in text.split("\n\n"):
        if not block.strip() or block.startswith((":", "retry:")):
            continue
        name, data = "message", ""
        for line in block.splitlines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
        events.append((name, json.loads(data) if data else {}))
    return events


def generate(note, user, *, section: str = "", engine=None) -> list[tuple[str, dict]]:
    """Queue the note's draft, run the job here (as the worker would, with `engine`
    if given) and return its events after `queued`, parsed."""
    # The enqueue goes to a backend that keeps it (in a transactional test the
    # commit is at once, and the suite's immediate backend would run it itself).
    keep = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with override_settings(TASKS=keep):
        job = note_draft_enqueue(user=user, note_id=note.pk, section=section)
    async_to_sync(draft_run)(job_id=job.pk, worker_id="test-worker", engine=engine)
    frames = b"".join(sse_frame(e) for e in draft_events_after(job_id=job.pk, after=1))
    return parse_sse(frames)


def first_attestation(note) -> int:
    """The id of the first statement of the note's institution's attestation list."""
    from templates_app.supervision.services import attestation_list_for_user

    return attestation_list_for_user(user=note.supervisor or note.author)[0].pk
