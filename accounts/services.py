"""Writes of the accounts app: the audit log."""

import hashlib
import json
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import AuditLog

GENESIS_HASH = "0" * 64
# Any constant: the advisory lock that serialises appends to the hash chain.
_AUDIT_CHAIN_LOCK = 0x6E6F756D  # "noum"


def audit_hash(*, prev_hash: str, row: dict[str, Any]) -> str:
    """The SHA-256 of the previous hash and the row's canonical JSON."""
    payload = json.dumps(row, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}|{payload}".encode()).hexdigest()


def audit_row_fields(entry: AuditLog) -> dict[str, Any]:
    """The fields a row's hash covers, as they read back from the database."""
    return {
        "created_at": entry.created_at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_username": entry.actor_username,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "institution_id": entry.institution_id,
        "ip_address": entry.ip_address,
        "details": entry.details,
    }


def audit_record(
    *,
    actor,
    action: str,
    target=None,
    target_type: str = "",
    target_id: Any = "",
    institution=None,
    ip_address: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditLog:
    """Append one audit row inside the caller's transaction.

    Call it from the service that performs the action, inside its
    `transaction.atomic()`, so the row commits or rolls back with the action.
    `details` must never hold PHI (transcript or note text).
    """
    if target is not None:
        target_type = target_type or target._meta.label
        target_id = target.pk
    entry = AuditLog(
        created_at=timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_username=getattr(actor, "username", "") or "",
        action=action,
        target_type=target_type,
        target_id="" if target_id in (None, "") else str(target_id),
        institution=institution,
        ip_address=ip_address or None,
        details=json.loads(json.dumps(details or {}, default=str)),
    )
    with transaction.atomic():
        _lock_chain()
        last = AuditLog.objects.order_by("-id").values_list("hash", flat=True).first()
        entry.prev_hash = last or GENESIS_HASH
        entry.hash = audit_hash(prev_hash=entry.prev_hash, row=audit_row_fields(entry))
        entry.save(force_insert=True)
    return entry


def _lock_chain() -> None:
    """Serialise appends so two transactions never chain to the same row.

    SQLite already serialises writers (IMMEDIATE transactions); PostgreSQL takes a
    transaction-scoped advisory lock, released at commit or rollback.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_AUDIT_CHAIN_LOCK])
