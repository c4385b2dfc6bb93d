"""Residents: update, deactivate, reactivate, graduate (a soft delete, never a hard one)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import AuditLog
from accounts.services import audit_record
from institutions.models import PGY_MAX, PGY_MIN, Invitation, ResidentProfile
from institutions.services.authority import institution_lock, require_institution_admin
from institutions.services.seats import seat_require
from noumaris.common.errors import ConflictError

Status = ResidentProfile.Status


def pgy_level_clean(value) -> int:
    """A PGY level as a whole number from 1 to 10, or ValidationError on pgy_level."""
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = 0
    if not PGY_MIN <= level <= PGY_MAX:
        raise ValidationError(
            {"pgy_level": [f"PGY must be a whole number from {PGY_MIN} to {PGY_MAX}."]}
        )
    return level


def specialty_clean(value) -> str:
    """A specialty stripped, at most 120 characters, or ValidationError on it."""
    specialty = (value or "").strip()
    if len(specialty) > 120:
        raise ValidationError({"specialty": ["Specialty is at most 120 characters."]})
    return specialty


def resident_update(
    *,
    actor,
    resident: ResidentProfile,
    pgy_level: int | None = None,
    specialty: str | None = None,
    ip_address: str | None = None,
) -> ResidentProfile:
    """Change a resident's PGY (1-10) or specialty; writes RESIDENT_UPDATED."""
    require_institution_admin(actor, resident.institution)
    changes = {}
    if pgy_level is not None:
        changes["pgy_level"] = pgy_level_clean(pgy_level)
    if specialty is not None:
        changes["specialty"] = specialty_clean(specialty)
    with transaction.atomic():
        resident = ResidentProfile.objects.select_for_update().get(pk=resident.pk)
        before = {name: getattr(resident, name) for name in changes}
        changed = {k: v for k, v in changes.items() if before[k] != v}
        if not changed:
            return resident
        for name, value in changed.items():
            setattr(resident, name, value)
        resident.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            action=AuditLog.Action.RESIDENT_UPDATED,
            target=resident,
            institution=resident.institution,
            ip_address=ip_address,
            details={"changes": {k: [before[k], v] for k, v in changed.items()}},
        )
    return resident


def resident_deactivate(
    *, actor, resident: ResidentProfile, ip_address: str | None = None
) -> ResidentProfile:
    """Suspend an active resident's access (keeps every record; frees the seat)."""
    return _set_status(
        actor,
        resident,
        Status.INACTIVE,
        AuditLog.Action.RESIDENT_DEACTIVATED,
        ip_address,
    )


def resident_graduate(
    *, actor, resident: ResidentProfile, ip_address: str | None = None
) -> ResidentProfile:
    """Mark a resident graduated: access ends, records stay, the seat frees up."""
    return _set_status(
        actor,
        resident,
        Status.GRADUATED,
        AuditLog.Action.RESIDENT_GRADUATED,
        ip_address,
    )


def resident_reactivate(
    *, actor, resident: ResidentProfile, ip_address: str | None = None
) -> ResidentProfile:
    """Give an inactive or graduated resident access again, if a seat is free."""
    return _set_status(
        actor, resident, Status.ACTIVE, AuditLog.Action.RESIDENT_REACTIVATED, ip_address
    )


def resident_change(
    *,
    actor,
    resident: ResidentProfile,
    pgy_level: int | None = None,
    specialty: str | None = None,
    status: str | None = None,
    ip_address: str | None = None,
) -> ResidentProfile:
    """Change PGY, specialty and status in one go: every change, or none.

    Each change is audited by the service that makes it; a status equal to the
    current one is no change.
    """
    with transaction.atomic():
        if pgy_level is not None or specialty is not None:
            resident = resident_update(
                actor=actor,
                resident=resident,
                pgy_level=pgy_level,
                specialty=specialty,
                ip_address=ip_address,
            )
        if status is not None and status != resident.status:
            resident = STATUS_CHANGES[status](
                actor=actor, resident=resident, ip_address=ip_address
            )
    return resident


STATUS_CHANGES = {
    Status.ACTIVE: resident_reactivate,
    Status.INACTIVE: resident_deactivate,
    Status.GRADUATED: resident_graduate,
}


def _set_status(actor, resident, status, action, ip_address) -> ResidentProfile:
    require_institution_admin(actor, resident.institution)
    with transaction.atomic():
        institution = institution_lock(resident.institution)
        resident = (
            ResidentProfile.objects.select_for_update(of=("self",))
            .select_related("user", "institution")
            .get(pk=resident.pk)
        )
        previous = resident.status
        if previous == status:
            raise ConflictError(
                f"{resident.user} is already {resident.get_status_display().lower()}."
            )
        if status == Status.ACTIVE:
            seat_require(institution=institution, role=Invitation.Role.RESIDENT)
        resident.status = status
        resident.status_changed_at = timezone.now()
        resident.save(update_fields=["status", "status_changed_at", "updated_at"])
        audit_record(
            actor=actor,
            action=action,
            target=resident,
            institution=resident.institution,
            ip_address=ip_address,
            details={
                "username": resident.user.username,
                "from": previous,
                "to": status,
            },
        )
    return resident
