"""The task worker as production runs it (`manage.py run_worker`, its own process):
readiness follows its heartbeat, and an e-mail the SMTP server refuses once is sent
on the retry. (A worker killed mid-draft: tests/templates_app/test_draft_worker_killed.py)"""

import signal

import httpx
import pytest
from aiosmtpd.controller import Controller
from django_tasks_db.models import DBTaskResult

from institutions.services.invitations import resident_invite
from tests.browser import live_server_env
from tests.fakes.tcp_proxy import free_port
from tests.live import daphne, get, task_worker
from tests.waiting import DEADLINE, eventually

pytestmark = pytest.mark.browser  # servers in child processes

DATABASE_BACKEND = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "email"],
    }
}


def _ready(base: str) -> tuple[int, dict]:
    status, body, _ = get(base + "/health/ready")
    return status, httpx.Response(status, content=body).json()


def test_readiness_fails_with_no_live_worker(transactional_db):
    env = live_server_env()
    with daphne(env) as base:
        status, body = _ready(base)
        assert status == 503
        assert body["checks"]["worker"] == "down" and "worker" in body["detail"]
        with task_worker(env) as worker:
            assert eventually(lambda: _ready(base)[0] == 200)
            worker.send_signal(signal.SIGTERM)  # a clean stop says so at once
            worker.wait(timeout=DEADLINE)
            status, body = _ready(base)
            assert status == 503 and body["checks"]["worker"] == "down"


class RefuseOnce:
    """An SMTP server's handler that answers the first recipient 451 (try later)."""

    def __init__(self):
        self.refused = 0
        self.messages: list[bytes] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if not self.refused:
            self.refused += 1
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(envelope.content)
        return "250 Message accepted for delivery"


def test_an_invitation_is_resent_after_the_smtp_server_refuses_once(
    transactional_db, settings, admin, demo_hospital
):
    handler = RefuseOnce()
    smtp = Controller(handler, hostname="127.0.0.1", port=free_port())
    smtp.start()
    settings.TASKS = DATABASE_BACKEND  # enqueue where the worker takes tasks
    env = live_server_env(
        EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
        EMAIL_RETRY_DELAY="1",
    )
    try:
        with task_worker(env):
            invitation = resident_invite(
                actor=admin,
                institution=demo_hospital,
                email="new.resident@example.org",
                pgy_level=1,
            )
            assert eventually(lambda: handler.messages)
    finally:
        smtp.stop()
    assert handler.refused == 1 and len(handler.messages) == 1
    assert invitation.token.encode() in handler.messages[0]
    attempts = DBTaskResult.objects.filter(task_path__endswith="email_deliver")
    results = sorted(attempts.values_list("return_value", flat=True))
    assert results == [
        "attempt 1 failed (SMTPRecipientsRefused); retry queued",
        "sent on attempt 2",
    ]
    assert invitation.token not in str(attempts.values_list("args_kwargs"))


class Slow(RefuseOnce):
    """An SMTP server that takes its time over each message (never refuses)."""

    refused = 1

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        import asyncio

        await asyncio.sleep(1)
        return await super().handle_DATA(server, session, envelope)


def test_a_task_row_deleted_while_it_runs_does_not_stop_the_worker(
    transactional_db, settings, admin, demo_hospital
):
    # db_worker stops on the database error of saving a result whose row is gone
    # (an admin's delete, a restore, a test's flush); run_worker takes tasks again.
    handler = Slow()
    smtp = Controller(handler, hostname="127.0.0.1", port=free_port())
    smtp.start()
    settings.TASKS = DATABASE_BACKEND
    env = live_server_env(EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}")
    deliveries = DBTaskResult.objects.filter(task_path__endswith="email_deliver")
    try:
        with task_worker(env) as worker:
            resident_invite(
                actor=admin,
                institution=demo_hospital,
                email="a@example.org",
                pgy_level=1,
            )
            assert eventually(lambda: deliveries.filter(status="RUNNING").exists())
            deliveries.delete()  # while the worker waits on the SMTP server
            resident_invite(
                actor=admin,
                institution=demo_hospital,
                email="b@example.org",
                pgy_level=1,
            )
            assert eventually(lambda: deliveries.filter(status="SUCCESSFUL").exists())
            assert worker.poll() is None
    finally:
        smtp.stop()
    assert any(b"To: b@example.org" in message for message in handler.messages)
