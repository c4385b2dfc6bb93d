"""Draft event streams hold nothing, and a draft never holds its note: through a real
daphne with a small database pool, a real task worker whose database connections
are ended under it (or whose database goes away for a while: it reaches PostgreSQL
through a proxy the tests cut), and a fake Claude that drafts slowly."""

import concurrent.futures
import time
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from templates_app.models import ClinicalNote, DraftJob
from tests.browser import live_server_env
from tests.fakes.anthropic_server import Answer
from tests.fakes.tcp_proxy import TcpProxy
from tests.live import daphne, task_worker
from tests.templates_app.test_draft_jobs import (
    claude,
    draft,
    follow,
    http,
    start,
    wait_finished,
)
from tests.waiting import DEADLINE, eventually

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]

__all__ = ["claude", "draft", "http"]  # the fixtures, on this module's own stack
POOL = 4  # daphne's connections: fewer than the streams below
# run_worker's log line when db_worker stopped on a database error of its own
RECORD_FAILED = "task worker: database error; resuming"
STREAMS = 12
WORKER = "noumaris-test-drafts-worker"  # its connections' application_name


@pytest.fixture(scope="module")
def worker_database(django_db_setup):
    """The worker's way to PostgreSQL: `stop()` is the database gone for it (new
    connections refused, open ones cut), `start()` is it back."""
    params = connection.settings_dict
    proxy = TcpProxy(params["HOST"] or "127.0.0.1", int(params["PORT"] or 5432))
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, claude, worker_database):
    with django_db_blocker.unblock():
        env = live_server_env(
            NOTE_ENGINE="anthropic",
            ANTHROPIC_API_KEY="sk-test",
            ANTHROPIC_BASE_URL=claude.base_url,
            DATABASE_POOL_MAX=str(POOL),
            DATABASE_POOL_TIMEOUT="3",
            API_RATE_LIMIT="100000/m",  # the tests poll the job
        )
        params = connection.settings_dict
        through_proxy = (
            f"postgres://{params['USER'] or 'postgres'}@127.0.0.1:"
            f"{worker_database.port}/{params['NAME']}"
        )
    worker_env = {
        **env,
        "PGAPPNAME": WORKER,
        "DATABASE_URL": through_proxy,
        # A connection the pool cannot make fails after 1 s, not 3: the outage
        # below need only outlast the worker's retries.
        "DATABASE_POOL_TIMEOUT": "1",
    }
    with daphne(env) as base, task_worker(worker_env, queues="drafts") as worker:
        yield base, worker


def _follower(http, job, last_event_id):
    with httpx.Client(
        base_url=str(http.base_url), cookies=http.cookies, timeout=30
    ) as other:
        return follow(other, job, last_event_id=last_event_id)


def test_open_streams_leave_the_pool_to_everyone_and_end_with_their_job(
    http, claude, draft
):
    claude.script(Answer(chunk_size=4, chunk_delay=0.1))  # a draft of several seconds
    job = start(http, draft)
    follow(http, job, stop=lambda ev: ev[-1][1] == "section")  # it is running
    with concurrent.futures.ThreadPoolExecutor(STREAMS) as pool:
        # Half rejoin from the start, half with an id far past the job's last event.
        streams = [
            pool.submit(_follower, http, job, 0 if n % 2 else 99999)
            for n in range(STREAMS)
        ]
        time.sleep(1)  # every stream open and waiting (more than the pool holds)
        me = http.get("/api/v1/me")
        # A connection was free: with none, the pool's wait (3 s) ends in a 503.
        assert me.status_code == 200, me.text
        results = [stream.result(timeout=DEADLINE) for stream in streams]
    for n, events in enumerate(results):
        assert events and events[-1][1] == "done", (n, events[-3:])
    assert results[1] == results[3]  # from the start: the whole draft, in order
    assert [i for i, _ in results[1]] == list(range(1, len(results[1]) + 1))
    assert wait_finished(http, job)["status"] == "complete"


def _end_the_workers_connections() -> int:
    """What a database blip does to the worker: its backends ended (a failover,
    `pg_terminate_backend`), the server still up."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = current_database()",
            [WORKER],
        )
        return cursor.fetchone()[0]


@pytest.mark.parametrize("when", ["as it starts", "mid-draft"])
def test_a_database_blip_frees_the_note_while_the_worker_lives(
    http, claude, draft, stack, when
):
    _, worker = stack
    claude.script(Answer(chunk_size=8, chunk_delay=0.02))  # long enough to cut into
    job = start(http, draft)
    if when == "as it starts":
        time.sleep(0.05)
    else:
        follow(http, job, stop=lambda ev: ev[-1][1] == "section")
    assert _end_the_workers_connections() > 0
    blip = time.monotonic()
    finished = wait_finished(http, job)
    freed_after = time.monotonic() - blip
    assert finished["status"] in ("complete", "interrupted"), finished
    # The reaper's 15 s at most (a draft that survives the blip ends sooner), and a
    # busy machine's margin.
    assert freed_after < 15 + 10, freed_after
    draft.refresh_from_db()
    assert draft.generation != ClinicalNote.Generation.GENERATING
    assert worker.poll() is None  # it was the database, not the worker
    claude.script(Answer())
    again = start(http, draft)  # the note is free to draft again
    assert wait_finished(http, again)["status"] == "complete"


def test_the_note_is_freed_when_the_database_is_down_as_the_task_fails(
    http, claude, draft, stack, worker_database
):
    """The database goes away mid-draft and stays away past the runner's retries
    and past the task framework's own record of the failure (db_worker stops on
    it); it comes back, the worker lives on: the task is failed, not left
    'running', and the note is freed within the reaper's 15 s."""
    _, worker = stack
    log = Path(worker.log_path)
    stops = log.read_text().count(RECORD_FAILED)
    claude.script(Answer(chunk_size=4, chunk_delay=0.1))  # a draft of several seconds
    job = start(http, draft)
    follow(http, job, stop=lambda ev: ev[-1][1] == "section")  # it is running
    worker_database.stop()
    try:
        # The task failed, and recording that failed too: db_worker stopped on it.
        assert eventually(lambda: log.read_text().count(RECORD_FAILED) > stops)
    finally:
        worker_database.start()
    back = time.monotonic()
    finished = wait_finished(http, job)
    freed_after = time.monotonic() - back
    assert finished["status"] == "interrupted", finished
    assert freed_after < 15 + 10, freed_after  # the reaper's 15 s, and a margin
    draft.refresh_from_db()
    assert draft.generation != ClinicalNote.Generation.GENERATING
    task_id = DraftJob.objects.get(pk=job["id"]).task_id
    assert DBTaskResult.objects.get(pk=task_id).status == "FAILED"
    assert worker.poll() is None
    claude.script(Answer())
    again = start(http, draft)  # the worker takes drafts again
    assert wait_finished(http, again)["status"] == "complete"
