"""A task worker killed mid-draft (SIGKILL): the note is freed with what was kept."""

import signal
import threading

import httpx
import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from templates_app.models import ClinicalNote, DraftJob, NoteRevision
from templates_app.notes.services import note_create
from tests.browser import live_server_env
from tests.fakes.anthropic_server import Answer, fake_anthropic
from tests.live import daphne, task_worker
from tests.templates_app.conftest import record_encounter
from tests.templates_app.test_api import sign_in
from tests.templates_app.test_draft_jobs import follow, start
from tests.waiting import DEADLINE, eventually

pytestmark = pytest.mark.browser  # servers in child processes


def test_a_worker_killed_mid_draft_frees_the_note_with_what_was_kept(
    transactional_db, resident, soap, password
):
    encounter = record_encounter(resident)
    note = note_create(user=resident, session_id=encounter.pk, template_id=soap.pk)
    # The model stops before the assessment until the worker is dead: the kill comes
    # mid-draft, as a state, however far the worker had got when this test read the
    # first section's end (on a busy machine it once had the whole draft done).
    midway = threading.Event()
    with fake_anthropic() as claude:
        claude.script(Answer(chunk_size=4, hold_before='"assessment"', release=midway))
        env = live_server_env(
            NOTE_ENGINE="anthropic",
            ANTHROPIC_API_KEY="sk-test",
            ANTHROPIC_BASE_URL=claude.base_url,
            WORKER_HEARTBEAT_EVERY="1",
            WORKER_DEAD_AFTER="3",
        )
        with (
            daphne(env) as base,
            httpx.Client(base_url=base, timeout=DEADLINE) as http,
        ):
            csrf = sign_in(http, base, "resident", password)
            http.headers.update({"X-CSRFToken": csrf, "Referer": base + "/"})
            with task_worker(env) as worker:
                job = start(http, note)
                seen = follow(http, job, stop=lambda ev: ev[-1][1] == "section_done")
                worker.send_signal(signal.SIGKILL)
                killed = timezone.now()
                worker.wait(timeout=DEADLINE)
                midway.set()  # the stream it held goes nowhere now
            # The page following the job notices the dead worker (no other is alive).
            rest = follow(http, job, last_event_id=seen[-1][0])
            assert [name for _, name in rest][-2:] == ["error", "done"]
            # stated: WORKER_DEAD_AFTER (3 here) + a follower's look (2 s) + slack; on
            # the server's own clock (the job's stored end), not on how long this test
            # took to read the stream.
            freed = DraftJob.objects.get(pk=job["id"]).finished_at
            assert (freed - killed).total_seconds() < 3 + 2 + 2
            note.refresh_from_db()
            assert note.generation == ClinicalNote.Generation.INTERRUPTED
            assert note.sections["subjective"].strip()  # finished before the kill
            assert DraftJob.objects.get(pk=job["id"]).status == "interrupted"
            assert NoteRevision.objects.filter(note=note).get().kind == "interrupted"
            # The next worker's clock marks the dead worker's task failed.
            with task_worker(env):
                task = DBTaskResult.objects.get(id=DraftJob.objects.get().task_id)
                assert eventually(
                    lambda: DBTaskResult.objects.get(pk=task.pk).status == "FAILED"
                )
                failed = DBTaskResult.objects.get(pk=task.pk)
                assert failed.exception_class_path.endswith("WorkerLost")
            # and the note can be drafted again
            assert start(http, note)["status"] == "queued"
