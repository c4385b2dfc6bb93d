"""Reads of the accounts app."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps

from accounts.models import AuditLog, User
from accounts.services import GENESIS_HASH, audit_hash, audit_row_fields


@dataclass(frozen=True)
class AuditBreak:
    row_id: int
    reason: str


def audit_chain_verify(*, batch_size: int = 2000) -> tuple[int, AuditBreak | None]:
    """Walk the chain oldest first; return rows checked and the first break, if any."""
    expected_prev = GENESIS_HASH
    checked = 0
    for entry in _audit_rows(batch_size):
        if entry.prev_hash != expected_prev:
            return checked, AuditBreak(
                entry.pk, "a row before it was removed or altered"
            )
        if (
            audit_hash(prev_hash=entry.prev_hash, row=audit_row_fields(entry))
            != entry.hash
        ):
            return checked, AuditBreak(entry.pk, "its contents were changed")
        expected_prev = entry.hash
        checked += 1
    return checked, None


def _audit_rows(batch_size: int) -> Iterator[AuditLog]:
    last_id = 0
    while True:
        batch = list(
            AuditLog.objects.filter(id__gt=last_id).order_by("id")[:batch_size]
        )
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id


def user_email_linked_to_other_identity(*, email: str) -> bool:
    """Whether an account with this e-mail is already linked to a provider identity."""
    return User.objects.filter(email__iexact=email, oidc_sub__isnull=False).exists()


def audit_action_label(action: str) -> str:
    """`NOTE_COSIGNED` -> 'Note co-signed' (`AuditLog.Action`'s words); an action
    the list no longer knows reads as its code in words."""
    if action in AuditLog.Action.values:
        return AuditLog.Action(action).label
    return action.replace("_", " ").capitalize()


def audit_target_label(entry: AuditLog) -> str:
    """What a row is about, in words: the model's name and id, and the person's
    username where the row names one (`details` never holds PHI)."""
    if not entry.target_type:
        return "—"
    try:
        app_label, model_name = entry.target_type.split(".", 1)
        model = apps.get_model(app_label, model_name)
        kind = str(model._meta.verbose_name).capitalize()
    except (LookupError, ValueError):
        kind = entry.target_type
    who = (entry.details or {}).get("username") or (entry.details or {}).get("email")
    label = f"{kind} #{entry.target_id}" if entry.target_id else kind
    return f"{label} ({who})" if who else label
