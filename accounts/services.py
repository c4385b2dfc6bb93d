"""Writes of the accounts app: the audit log, and accounts at provider sign-in."""

import hashlib
import json
import re
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import AuditLog, User

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
    # No savepoint of its own inside the caller's transaction (two statements fewer
    # per audited action): a failure here fails the caller's whole action anyway.
    with transaction.atomic(savepoint=False):
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


# --- Sign-in through the identity provider (accounts/oidc.py) ------------------------

_USERNAME_JUNK = re.compile(r"[^\w.@+-]")


def user_sync_from_provider(
    *,
    user: User,
    claims: dict[str, Any],
    is_superadmin: bool,
    staff_without_superadmin: bool = False,
    ip_address=None,
) -> User:
    """At each sign-in: take e-mail and name from the provider, and set or clear
    superadmin (with the Django admin flags it implies) from its realm role.

    `staff_without_superadmin`: whether the account stays staff (an institution
    admin does) when its superadmin role goes.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        changed = []
        for field, claim in (
            ("email", "email"),
            ("first_name", "given_name"),
            ("last_name", "family_name"),
        ):
            value = claims.get(claim)
            limit = User._meta.get_field(field).max_length
            if isinstance(value, str) and value and getattr(user, field) != value:
                setattr(user, field, value[:limit])
                changed.append(field)
        if (user.is_superadmin, user.is_superuser) != (is_superadmin, is_superadmin):
            user.is_superadmin = user.is_superuser = is_superadmin
            user.is_staff = is_superadmin or staff_without_superadmin
            changed += ["is_superadmin", "is_superuser", "is_staff"]
            audit_record(
                actor=user,
                action=AuditLog.Action.SUPERADMIN_GRANTED
                if is_superadmin
                else AuditLog.Action.SUPERADMIN_REVOKED,
                target=user,
                ip_address=ip_address,
                details={"source": "identity provider realm role"},
            )
        if changed:
            user.save(update_fields=changed)
    return user


def user_link_by_verified_email(
    *, sub: str, email: str, ip_address=None
) -> User | None:
    """Link the one account with this e-mail that has no provider identity yet.

    The provider has verified the e-mail; an account already linked to another
    identity, or an e-mail shared by two accounts, links nothing.
    """
    try:
        with transaction.atomic():
            matches = list(
                User.objects.select_for_update().filter(email__iexact=email)[:2]
            )
            if len(matches) != 1 or matches[0].oidc_sub is not None:
                return None
            user = matches[0]
            user.oidc_sub = sub
            user.save(update_fields=["oidc_sub"])
            audit_record(
                actor=user,
                action=AuditLog.Action.IDENTITY_LINKED,
                target=user,
                ip_address=ip_address,
                details={"method": "verified e-mail"},
            )
            return user
    except IntegrityError:  # the same person's other tab linked it first
        return User.objects.filter(oidc_sub=sub).first()


def user_create_from_provider(
    *,
    claims: dict[str, Any],
    institution=None,
    details: dict[str, Any] | None = None,
    ip_address=None,
) -> User | None:
    """Create the account of a person the provider vouches for, linked to its `sub`.

    The caller decides that the person may have one (`institutions`: a pending
    invitation to this e-mail); `institution` and `details` go on the audit row.
    """
    try:
        with transaction.atomic():
            user = User(
                username=_unique_username(
                    claims.get("preferred_username") or claims["email"].split("@")[0]
                ),
                email=claims["email"],
                first_name=(claims.get("given_name") or "")[:150],
                last_name=(claims.get("family_name") or "")[:150],
                oidc_sub=claims["sub"],
            )
            user.set_unusable_password()
            user.save(force_insert=True)
            audit_record(
                actor=user,
                action=AuditLog.Action.IDENTITY_LINKED,
                target=user,
                institution=institution,
                ip_address=ip_address,
                details=details,
            )
            return user
    except IntegrityError:  # the same person's other tab created it first
        return User.objects.filter(oidc_sub=claims["sub"]).first()


def _unique_username(wanted: str) -> str:
    base = _USERNAME_JUNK.sub("", str(wanted))[:140] or "user"
    username, n = base, 1
    while User.objects.filter(username__iexact=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


# --- Sign-in throttling (django-axes) -------------------------------------------------


def sign_in_lockout_record(*, username: str, ip_address: str | None) -> AuditLog | None:
    """Audit the moment a username or address is locked out of sign-in, once per
    lockout (django-axes announces every refused attempt while it lasts)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    already = AuditLog.objects.filter(
        action=AuditLog.Action.SIGN_IN_LOCKED_OUT,
        created_at__gte=since,
        ip_address=ip_address or None,
        details__username=username or "",
    )
    if already.exists():
        return None
    user = User.objects.filter(username=username).first() if username else None
    return audit_record(
        actor=None,
        action=AuditLog.Action.SIGN_IN_LOCKED_OUT,
        target=user,
        target_type="accounts.User",
        ip_address=ip_address,
        details={"username": username or ""},
    )


def sign_in_unlock(*, actor: User, attempts, ip_address: str | None = None) -> int:
    """Clear the given failed-sign-in records (axes' AccessAttempt rows), audited."""
    with transaction.atomic():
        unlocked = list(attempts.values_list("username", "ip_address"))
        for username, address in unlocked:
            audit_record(
                actor=actor,
                action=AuditLog.Action.SIGN_IN_UNLOCKED,
                target_type="accounts.User",
                target_id=username or "",
                ip_address=ip_address,
                details={"username": username or "", "locked_address": address},
            )
        attempts.delete()
    return len(unlocked)
