"""What a live socket may do: a single-use ticket for integrators, and the periodic
re-check of an open socket's sign-in and feature."""

import hashlib
import secrets
import time
from datetime import timedelta
from types import SimpleNamespace

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.middleware import RENEWED_AT
from institutions.models import Feature
from institutions.services.permissions import check_feature, require_feature
from transcription.models import TranscriptionTicket

TICKET_SECONDS = 30


def socket_access(*, user_id: int, session_key: str | None) -> tuple[str, str] | None:
    """Whether an open socket may go on recording: None, or the denial's code
    (`unauthenticated`, `forbidden`) and reason. A browser socket's sign-in must still
    hold (not logged out, expired or its password changed) and is renewed, since
    recording is activity (`SESSION_IDLE_TIMEOUT`); a ticket socket's account must
    still be active; either needs the feature still."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return "unauthenticated", "Your account is no longer active."
    if session_key is not None and not session_idle_renew(
        session_key=session_key, user_id=user_id
    ):
        return "unauthenticated", "Your sign-in has ended. Sign in again to record."
    access = check_feature(user, Feature.Code.LIVE_TRANSCRIPTION)
    if not access.allowed:
        return "forbidden", access.reason
    return None


def session_idle_renew(*, session_key: str, user_id: int) -> bool:
    """Renew a browser session's idle deadline, as a page request would
    (`accounts.middleware.SessionIdleRenewal`); False when it no longer signs
    `user_id` in."""
    from django.contrib.auth import get_user

    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")(session_key)
    user = get_user(SimpleNamespace(session=store))
    if not user.is_authenticated or user.pk != user_id:
        return False
    now = int(time.time())
    renewed_at = store.get(RENEWED_AT)
    if not isinstance(renewed_at, int) or not (
        0 <= now - renewed_at < settings.SESSION_IDLE_RENEW_EVERY
    ):
        store[RENEWED_AT] = now
        store.save()
    return True


def _ticket_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def ticket_issue(*, user) -> tuple[str, TranscriptionTicket]:
    """A single-use WebSocket ticket valid for 30 s; only its hash is stored."""
    require_feature(user=user, code=Feature.Code.LIVE_TRANSCRIPTION)
    token = secrets.token_urlsafe(32)
    ticket = TranscriptionTicket.objects.create(
        user=user,
        token_hash=_ticket_hash(token),
        expires_at=timezone.now() + timedelta(seconds=TICKET_SECONDS),
    )
    return token, ticket


def tickets_purge() -> int:
    """Delete tickets that expired or were spent (periodic); how many."""
    deleted, _ = TranscriptionTicket.objects.filter(
        expires_at__lte=timezone.now()
    ).delete()
    return deleted


@transaction.atomic
def ticket_redeem(*, token: str):
    """The user a fresh, unused ticket names (and spend it), or None."""
    if not token or len(token) > 200:
        return None
    ticket = (
        TranscriptionTicket.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=_ticket_hash(token), used_at__isnull=True)
        .filter(expires_at__gt=timezone.now())
        .first()
    )
    if ticket is None or not ticket.user.is_active:
        return None
    ticket.used_at = timezone.now()
    ticket.save(update_fields=["used_at"])
    return ticket.user
