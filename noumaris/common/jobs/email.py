"""E-mail as a task: built and sent by a worker after the request's commit, retried
with backoff when the SMTP server refuses or cannot be reached.

A kind of e-mail is a builder its app registers in its `AppConfig.ready()` with
`email_kind_register`: `builder(object_id=, secret=)` returns the message to send
now, or None when it no longer should be (a revoked or resent invitation). The task carries ids, never the message, so a retry sends what
is true at that moment; a secret (an invitation's link token) travels encrypted
with FIELD_ENCRYPTION_KEYS, as PHI does at rest.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from noumaris.common.fields import decrypt_text, encrypt_text

logger = logging.getLogger(__name__)

RETRY_FACTOR = 4
_BUILDERS: dict[str, Callable[..., EmailMessage | None]] = {}


def email_kind_register(kind: str, builder: Callable[..., EmailMessage | None]):
    """Make `kind` an e-mail `email_send_on_commit` may send (from an app's ready())."""
    _BUILDERS[kind] = builder


def email_send_on_commit(*, kind: str, object_id: int, secret: str = "") -> None:
    """Enqueue the e-mail once the current transaction commits (never before)."""
    if kind not in _BUILDERS:
        raise ValueError(f"unknown e-mail kind {kind!r}")
    sealed = encrypt_text(secret) if secret else ""
    transaction.on_commit(
        lambda: email_deliver.enqueue(kind=kind, object_id=object_id, secret=sealed),
        robust=True,
    )


def retry_delay(attempt: int) -> dt.timedelta:
    """The wait after failed attempt `attempt` (1-based): 30 s, 2 min, 8 min..."""
    return dt.timedelta(
        seconds=settings.EMAIL_RETRY_DELAY * RETRY_FACTOR ** (attempt - 1)
    )


@task(queue_name="email")
def email_deliver(*, kind: str, object_id: int, secret: str = "", attempt: int = 1):
    """Send one e-mail; on an SMTP failure enqueue the next attempt, and fail the
    task (kept in the admin, counted in /metrics) after EMAIL_MAX_ATTEMPTS."""
    message = _BUILDERS[kind](
        object_id=object_id, secret=decrypt_text(secret) if secret else ""
    )
    if message is None:
        return "not sent: no longer wanted"
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        if attempt >= settings.EMAIL_MAX_ATTEMPTS:
            raise
        delay = retry_delay(attempt)
        email_deliver.using(run_after=timezone.now() + delay).enqueue(
            kind=kind, object_id=object_id, secret=secret, attempt=attempt + 1
        )
        logger.warning(
            "e-mail %s %s attempt %d failed (%s); retry in %ss",
            kind,
            object_id,
            attempt,
            type(exc).__name__,
            delay.total_seconds(),
        )
        return f"attempt {attempt} failed ({type(exc).__name__}); retry queued"
    return f"sent on attempt {attempt}"
