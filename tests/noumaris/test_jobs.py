"""The task queue's operations, in this process: /metrics, the admin, readiness,
the periodic registry and the backend switch. (The worker itself: test_worker.py.)"""

import datetime as dt
import json
import subprocess
import sys

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from institutions.models import Invitation
from institutions.services.invitations import invitations_expire, resident_invite
from noumaris.common.jobs.models import PeriodicRun, WorkerHeartbeat
from noumaris.common.jobs.periodic import PERIODIC
from noumaris.common.jobs.services import (
    periodic_claim,
    tasks_of_dead_workers_fail,
    tasks_unrecorded_fail,
    workers_alive_count,
)
from noumaris.common.jobs.tasks import task_results_prune
from tests.noumaris.subprocess_env import ROOT, clean_env
from tests.noumaris.test_worker import DATABASE_BACKEND
from transcription.models import TranscriptionTicket
from transcription.services.sockets import tickets_purge

pytestmark = pytest.mark.django_db


def beat(worker_id="w1", seconds_ago=0):
    now = timezone.now() - dt.timedelta(seconds=seconds_ago)
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id, hostname="h", pid=1, started_at=now, seen_at=now
    )


def test_metrics_show_the_queue_depth_failures_and_live_workers(client, settings):
    settings.TASKS = DATABASE_BACKEND
    task_results_prune.enqueue()
    task_results_prune.enqueue()
    failed = task_results_prune.enqueue()
    DBTaskResult.objects.filter(pk=failed.id).update(status="FAILED")
    beat()
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 'noumaris_task_queue_depth{queue="default"} 2.0' in body
    assert 'noumaris_task_failures{queue="default"} 1.0' in body
    assert "noumaris_task_workers_alive 1.0" in body


def test_readiness_names_the_worker_on_the_database_backend(client, settings):
    settings.TASKS_BACKEND = "database"
    response = client.get("/health/ready")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok" and checks["worker"] == "down"
    beat(seconds_ago=30)  # a heartbeat too old is no worker
    assert client.get("/health/ready").status_code == 503
    beat("w2")
    assert client.get("/health/ready").json()["checks"]["worker"] == "ok"


def test_only_superadmins_see_the_tasks_in_the_admin(client, superadmin, admin):
    client.force_login(superadmin)
    assert client.get("/admin/django_tasks_database/dbtaskresult/").status_code == 200
    assert client.get("/admin/jobs/workerheartbeat/").status_code == 200
    client.force_login(admin)  # an institution admin: staff, not a superadmin
    assert client.get("/admin/django_tasks_database/dbtaskresult/").status_code == 403
    assert "dbtaskresult" not in client.get("/admin/").content.decode()


def test_a_periodic_job_is_claimed_once_per_period():
    entry = next(e for e in PERIODIC if e.name == "institutions.invitations_expire")
    now = timezone.now()
    assert periodic_claim(entry=entry, now=now)
    assert not periodic_claim(entry=entry, now=now)  # a second worker, same moment
    assert not periodic_claim(entry=entry, now=now + dt.timedelta(minutes=59))
    assert periodic_claim(entry=entry, now=now + dt.timedelta(hours=1))
    assert PeriodicRun.objects.get(name=entry.name).next_run_at == now + dt.timedelta(
        hours=2
    )


def test_every_periodic_job_names_something_that_exists():
    for entry in PERIODIC:
        target = entry.load()
        assert callable(target) if entry.inline else hasattr(target, "enqueue")


def test_expired_invitations_and_tickets_are_cleaned(
    admin, demo_hospital, resident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = resident_invite(
            actor=admin, institution=demo_hospital, email="x@example.org", pgy_level=1
        )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    assert invitations_expire() == 1
    assert Invitation.objects.get(pk=invitation.pk).status == "expired"
    TranscriptionTicket.objects.create(
        user=resident, token_hash="a" * 64, expires_at=timezone.now()
    )
    TranscriptionTicket.objects.create(
        user=resident,
        token_hash="b" * 64,
        expires_at=timezone.now() + dt.timedelta(seconds=30),
    )
    assert tickets_purge() == 1
    assert TranscriptionTicket.objects.count() == 1


def test_a_task_left_running_by_a_dead_worker_is_failed(settings):
    settings.TASKS = DATABASE_BACKEND
    result = task_results_prune.enqueue()
    long_ago = timezone.now() - dt.timedelta(minutes=1)
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING", started_at=long_ago, worker_ids=["dead"]
    )
    beat("alive")
    assert workers_alive_count() == 1
    assert tasks_of_dead_workers_fail() == 1
    failed = DBTaskResult.objects.get(pk=result.id)
    assert failed.status == "FAILED"
    assert failed.exception_class_path == "noumaris.common.jobs.services.WorkerLost"


def test_a_task_a_live_worker_left_running_is_failed_when_it_resumes(settings):
    """db_worker stopped on the database error of recording a task's end: the
    worker (alive all along) fails that task before it takes the next, and leaves
    the tasks of other workers and the ones it ran before alone."""
    settings.TASKS = DATABASE_BACKEND
    ours, other, before = (task_results_prune.enqueue() for _ in range(3))
    for result, workers in ((ours, ["w0", "w1"]), (other, ["w1", "w2"])):
        DBTaskResult.objects.filter(pk=result.id).update(
            status="RUNNING", started_at=timezone.now(), worker_ids=workers
        )
    DBTaskResult.objects.filter(pk=before.id).update(
        status="SUCCESSFUL", worker_ids=["w1"]
    )
    beat("w1")
    beat("w2")
    assert tasks_unrecorded_fail(worker_id="w1") == 1
    statuses = {str(k): v for k, v in DBTaskResult.objects.values_list("id", "status")}
    assert statuses == {
        ours.id: "FAILED",
        other.id: "RUNNING",
        before.id: "SUCCESSFUL",
    }
    failed = DBTaskResult.objects.get(pk=ours.id)
    assert failed.exception_class_path == "noumaris.common.jobs.services.OutcomeLost"
    assert tasks_unrecorded_fail(worker_id="w1") == 0


def settings_module(names: list[str], env: dict[str, str]) -> dict:
    """Values of the settings module as loaded with `env`, without starting Django
    (the RQ and Celery backends' packages are not installed here)."""
    code = (
        "import json, noumaris.settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_deployment_moves_to_rq_or_celery_by_settings_alone():
    """The same code on another backend of the same API: which settings change."""
    names = ["TASKS", "INSTALLED_APPS"]
    env = clean_env(DJANGO_DEBUG="1", REDIS_URL="redis://127.0.0.1:6379/7")
    rq = settings_module(names + ["RQ_QUEUES"], {**env, "TASKS_BACKEND": "rq"})
    assert rq["TASKS"]["default"]["BACKEND"] == "django_tasks_rq.RQBackend"
    assert {"django_rq", "django_tasks_rq"} <= set(rq["INSTALLED_APPS"])
    assert set(rq["RQ_QUEUES"]) == {"default", "drafts", "transcription", "email"}
    celery = settings_module(
        names + ["CELERY_BROKER_URL"], {**env, "TASKS_BACKEND": "celery"}
    )
    assert celery["TASKS"]["default"]["BACKEND"] == "django_tasks_fennel.CeleryBackend"
    assert celery["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/7"
    default = settings_module(names, clean_env(DJANGO_DEBUG="1"))
    assert default["TASKS"]["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    refused = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean_env(DJANGO_DEBUG="1"), "TASKS_BACKEND": "rq"},
        capture_output=True,
        text=True,
    )
    assert "TASKS_BACKEND=rq needs REDIS_URL" in refused.stderr + refused.stdout


@pytest.mark.django_db(transaction=True)
def test_tasks_queued_before_the_move_to_common_still_import_after_it(settings):
    """An e-mail queued under `noumaris.jobs.email` before the deploy that moved the
    jobs app into `noumaris.common` is renamed by the migration and still runs; a
    finished task's row keeps the path it ran under."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    settings.TASKS = DATABASE_BACKEND
    before = [("jobs", "0001_worker_state")]
    after = [("jobs", "0002_queued_tasks_follow_the_move")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        queued = task_results_prune.enqueue()
        finished = task_results_prune.enqueue()
        DBTaskResult.objects.filter(pk=queued.id).update(
            task_path="noumaris.jobs.tasks.task_results_prune"
        )
        DBTaskResult.objects.filter(pk=finished.id).update(
            task_path="noumaris.jobs.tasks.task_results_prune", status="SUCCESSFUL"
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)

    assert DBTaskResult.objects.get(pk=queued.id).task.func is task_results_prune.func
    assert (
        DBTaskResult.objects.get(pk=finished.id).task_path
        == "noumaris.jobs.tasks.task_results_prune"
    )
