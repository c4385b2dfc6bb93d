"""Invitations: invite one person, resend, revoke, expire (the CSV batch is
`invitation_batch`, accepting is `invitation_accept`).

An invitation holds a seat while it is pending and unexpired: active residents plus
pending resident invitations never exceed `Institution.max_residents`, and admins
plus pending admin invitations never exceed `max_admins`. Seats are counted with the
institution's row locked, so two admins inviting for the last seat at the same
moment cannot both win.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts.models import AuditLog, User
from accounts.services import audit_record
from institutions.models import (
    FacultyProfile,
    Institution,
    InstitutionAdmin,
    InstitutionFeature,
    Invitation,
    ResidentProfile,
)
from institutions.services.authority import institution_lock, require_institution_admin
from institutions.services.residents import pgy_level_clean, specialty_clean
from institutions.services.seats import seat_require
from institutions.tokens import invitation_token_hash, invitation_token_new
from noumaris.common.errors import ConflictError
from noumaris.common.jobs.email import email_send_on_commit

INVITATION_LIFETIME = dt.timedelta(days=7)
INVITED_ACTION = {
    Invitation.Role.RESIDENT: AuditLog.Action.RESIDENT_INVITED,
    Invitation.Role.ADMIN: AuditLog.Action.ADMIN_INVITED,
    Invitation.Role.FACULTY: AuditLog.Action.FACULTY_INVITED,
}


# --- Invite ---------------------------------------------------------------------------


def invitation_create(
    *,
    actor,
    institution: Institution,
    email: str,
    role: str = Invitation.Role.RESIDENT,
    pgy_level: int | None = None,
    specialty: str = "",
    is_senior: bool = False,
    feature_codes: list[str] | None = None,
    ip_address: str | None = None,
) -> Invitation:
    """Invite `email` to `institution` in `role` and e-mail the link (on commit).

    A resident invitation carries the features the resident is granted on accepting:
    `feature_codes`, or by default every feature the institution has.

    Admins invite residents and faculty; only senior admins (or superadmins) invite
    admins. Raises ValidationError (email, role, pgy_level), ConflictError (already a
    member, already pending, no seat left), ForbiddenError or NotFoundError. The
    returned invitation carries the raw link token as `.token` (never stored).
    """
    _require_inviter(actor, institution, role)
    fields = invitation_fields_clean(
        email=email, role=role, pgy_level=pgy_level, specialty=specialty
    )
    with transaction.atomic():
        locked = institution_lock(institution)
        return invitation_create_locked(
            actor=actor,
            institution=locked,
            is_senior=is_senior and role == Invitation.Role.ADMIN,
            feature_codes=feature_codes,
            ip_address=ip_address,
            **fields,
        )


def resident_invite(
    *,
    actor,
    institution: Institution,
    email: str,
    pgy_level: int,
    specialty: str = "",
    feature_codes: list[str] | None = None,
    ip_address: str | None = None,
) -> Invitation:
    """Invite a resident (PGY 1-10) to `institution`; see `invitation_create`."""
    return invitation_create(
        actor=actor,
        institution=institution,
        email=email,
        role=Invitation.Role.RESIDENT,
        pgy_level=pgy_level,
        specialty=specialty,
        feature_codes=feature_codes,
        ip_address=ip_address,
    )


def invitation_fields_clean(*, email, role, pgy_level, specialty) -> dict:
    """Normalise the fields, or raise ValidationError naming each bad field."""
    errors: dict[str, list[str]] = {}
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [f"'{email}' is not a valid e-mail address."]
    if role not in Invitation.Role.values:
        errors["role"] = ["Choose resident, admin or faculty."]
    if role == Invitation.Role.RESIDENT:
        try:
            pgy_level = pgy_level_clean(pgy_level)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    else:
        pgy_level = None
    try:
        specialty = specialty_clean(specialty)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return {
        "email": email,
        "role": role,
        "pgy_level": pgy_level,
        "specialty": specialty,
    }


def invitation_create_locked(
    *,
    actor,
    institution,
    email,
    role,
    pgy_level,
    specialty,
    is_senior,
    ip_address,
    feature_codes=None,
) -> Invitation:
    """Invite with the institution's row already locked by the caller's transaction."""
    codes = _invitation_features(institution, role, feature_codes)
    _refuse_members(institution, email)
    _expire_or_refuse_pending(institution, email)
    seat_require(institution=institution, role=role)
    token = invitation_token_new()
    now = timezone.now()
    invitation = Invitation.objects.create(
        institution=institution,
        email=email,
        role=role,
        pgy_level=pgy_level,
        specialty=specialty,
        is_senior=is_senior,
        feature_codes=codes,
        token_hash=invitation_token_hash(token),
        expires_at=now + INVITATION_LIFETIME,
        invited_by=actor,
        sent_count=1,
        last_sent_at=now,
    )
    audit_record(
        actor=actor,
        action=INVITED_ACTION[role],
        target=invitation,
        institution=institution,
        ip_address=ip_address,
        details={
            "email": email,
            "role": role,
            "pgy_level": pgy_level,
            "features": codes,
        },
    )
    _send_on_commit(invitation, token)
    invitation.token = token
    return invitation


def _invitation_features(institution, role, wanted) -> list[str]:
    """The features a resident invitation grants: those asked for, or by default all
    the institution has; one it does not have is a ValidationError."""
    if role != Invitation.Role.RESIDENT:
        return []
    has = set(
        InstitutionFeature.objects.filter(
            institution=institution, is_enabled=True, feature__is_active=True
        ).values_list("feature__code", flat=True)
    )
    if wanted is None:
        return sorted(has)
    unknown = sorted(set(wanted) - has)
    if unknown:
        raise ValidationError(
            {"features": [f"{institution} does not include {', '.join(unknown)}."]}
        )
    return sorted(set(wanted))


def _refuse_members(institution: Institution, email: str) -> None:
    users = User.objects.filter(email__iexact=email)
    resident = ResidentProfile.objects.filter(
        institution=institution, user__in=users
    ).first()
    if resident is not None:
        if resident.status == ResidentProfile.Status.ACTIVE:
            raise ConflictError(f"{email} is already a resident of {institution}.")
        raise ConflictError(
            f"{email} is already a resident of {institution} "
            f"({resident.get_status_display().lower()}): reactivate them instead."
        )
    if InstitutionAdmin.objects.filter(
        institution=institution, user__in=users
    ).exists():
        raise ConflictError(f"{email} is already an admin of {institution}.")
    if FacultyProfile.objects.filter(institution=institution, user__in=users).exists():
        raise ConflictError(f"{email} is already faculty of {institution}.")


def _expire_or_refuse_pending(institution: Institution, email: str) -> None:
    pending = Invitation.objects.filter(
        institution=institution, email=email, status=Invitation.Status.PENDING
    )
    # An expired invitation stops holding the e-mail address (and its seat).
    pending.filter(expires_at__lte=timezone.now()).update(
        status=Invitation.Status.EXPIRED, updated_at=timezone.now()
    )
    if pending.exists():
        raise ConflictError(
            f"An invitation to {email} is already pending; resend it instead."
        )


def _send_on_commit(invitation: Invitation, token: str) -> None:
    """A worker e-mails the link after the commit, retrying if SMTP refuses."""
    email_send_on_commit(kind="invitation", object_id=invitation.pk, secret=token)


def invitations_expire() -> int:
    """Mark every pending invitation past its expiry expired (periodic); how many."""
    now = timezone.now()
    return Invitation.objects.filter(
        status=Invitation.Status.PENDING, expires_at__lte=now
    ).update(status=Invitation.Status.EXPIRED, updated_at=now)


# --- Resend and revoke ------------------------------------------------------------


def _require_inviter(actor, institution, role) -> None:
    """The one rule for every action on an invitation (create, resend, revoke): an
    admin of the institution; for an admin invitation, a senior one."""
    require_institution_admin(actor, institution, senior=role == Invitation.Role.ADMIN)


def invitation_resend(
    *, actor, invitation: Invitation, ip_address: str | None = None
) -> Invitation:
    """E-mail a new link (the old one stops working) and restart the 7 days.

    Only pending invitations (expired ones included) can be resent; an expired
    resident invitation needs a free seat again. `.token` holds the new token.
    """
    _require_inviter(actor, invitation.institution, invitation.role)
    with transaction.atomic():
        locked_institution = institution_lock(invitation.institution)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status not in (
            Invitation.Status.PENDING,
            Invitation.Status.EXPIRED,
        ):
            raise ConflictError(
                f"This invitation is {invitation.get_status_display().lower()}; "
                "only pending invitations can be resent."
            )
        if invitation.effective_status == Invitation.Status.EXPIRED:
            seat_require(institution=locked_institution, role=invitation.role)
            if invitation.status == Invitation.Status.EXPIRED:
                _expire_or_refuse_pending(locked_institution, invitation.email)
        token = invitation_token_new()
        now = timezone.now()
        invitation.token_hash = invitation_token_hash(token)
        invitation.status = Invitation.Status.PENDING
        invitation.expires_at = now + INVITATION_LIFETIME
        invitation.sent_count += 1
        invitation.last_sent_at = now
        invitation.save(
            update_fields=[
                "token_hash",
                "status",
                "expires_at",
                "sent_count",
                "last_sent_at",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.INVITATION_RESENT,
            target=invitation,
            institution=invitation.institution,
            ip_address=ip_address,
            details={"email": invitation.email, "sent_count": invitation.sent_count},
        )
        _send_on_commit(invitation, token)
    invitation.token = token
    return invitation


def invitation_revoke(
    *, actor, invitation: Invitation, ip_address: str | None = None
) -> Invitation:
    """Revoke a pending invitation: its link stops working and its seat frees up."""
    _require_inviter(actor, invitation.institution, invitation.role)
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("institution")
            .get(pk=invitation.pk)
        )
        if invitation.status not in (
            Invitation.Status.PENDING,
            Invitation.Status.EXPIRED,
        ):
            raise ConflictError(
                f"This invitation is already {invitation.get_status_display().lower()}."
            )
        invitation.status = Invitation.Status.REVOKED
        invitation.revoked_by = actor
        invitation.revoked_at = timezone.now()
        invitation.save(
            update_fields=["status", "revoked_by", "revoked_at", "updated_at"]
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.INVITATION_REVOKED,
            target=invitation,
            institution=invitation.institution,
            ip_address=ip_address,
            details={"email": invitation.email},
        )
    return invitation
