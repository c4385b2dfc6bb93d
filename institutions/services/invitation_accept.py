"""Accepting an invitation: who may, as a signed-in user or with a new local
account, single use and race-safe; an account made at a first sign-in through the
identity provider."""

import datetime as dt

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import AuditLog, User
from accounts.services import audit_record, user_create_from_provider
from institutions.models import (
    FacultyProfile,
    Invitation,
    ResidentProfile,
)
from institutions.selectors import invitation_find_by_token
from institutions.services.authority import existing_role
from institutions.services.features import features_grant_on_joining
from institutions.services.institutions import admin_membership_add
from institutions.tokens import invitation_token_hash
from noumaris.common.errors import (
    ApplicationError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
)


def invitation_refusal(*, invitation: Invitation, user=None) -> ApplicationError | None:
    """Why this invitation cannot be accepted (by `user`, if given), or None.

    The `/invite/<token>` page shows it before anything is submitted; accepting
    checks it again under a row lock.
    """
    status = invitation.effective_status
    if status == Invitation.Status.ACCEPTED:
        return ConflictError("This invitation has already been used.")
    if status == Invitation.Status.REVOKED:
        return ConflictError(
            f"This invitation was withdrawn by {invitation.institution}."
        )
    if status == Invitation.Status.EXPIRED:
        return ConflictError(
            f"This invitation expired on {_day(invitation.expires_at)}; "
            f"ask {invitation.institution} for a new one."
        )
    if user is not None and user.is_authenticated:
        if (user.email or "").strip().lower() != invitation.email:
            return ForbiddenError(
                "This invitation was sent to a different e-mail address than "
                "the account you are signed in with."
            )
        role = existing_role(user)
        if role:
            return ConflictError(
                f"Your account is already {role}; one account has one role."
            )
    return None


def _day(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%B %Y}"


def invitation_accept(*, token: str, user, ip_address: str | None = None) -> Invitation:
    """Accept the invitation as the signed-in `user`: single use, race-safe.

    The invitation's row is locked, so of two concurrent accepts exactly one wins;
    the other gets ConflictError. The user's e-mail must match the invitation's.
    Creates the resident, faculty or admin profile (admins become staff).
    """
    with transaction.atomic():
        invitation = _locked_by_token(token)
        refusal = invitation_refusal(invitation=invitation, user=user)
        if refusal is not None:
            raise refusal
        _join(invitation, user)
        now = timezone.now()
        invitation.status = Invitation.Status.ACCEPTED
        invitation.accepted_by = user
        invitation.accepted_at = now
        invitation.save(
            update_fields=["status", "accepted_by", "accepted_at", "updated_at"]
        )
        audit_record(
            actor=user,
            action=AuditLog.Action.INVITATION_ACCEPTED,
            target=invitation,
            institution=invitation.institution,
            ip_address=ip_address,
            details={"email": invitation.email, "role": invitation.role},
        )
    return invitation


def invitation_accept_new_account(
    *,
    token: str,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    ip_address: str | None = None,
) -> tuple[Invitation, User]:
    """Create a local account with the invitation's e-mail and accept, atomically.

    For the embedded default (no identity provider). Raises ValidationError on the
    username or password, and whatever `invitation_accept` raises.
    """
    username = (username or "").strip()
    with transaction.atomic():
        invitation = _locked_by_token(token)
        refusal = invitation_refusal(invitation=invitation)
        if refusal is not None:
            raise refusal
        user = User(
            username=username,
            email=invitation.email,
            first_name=(first_name or "").strip()[:150],
            last_name=(last_name or "").strip()[:150],
        )
        _validate_new_account(user, password)
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise ValidationError(
                {"username": ["That username is taken; choose another."]}
            ) from None
        return invitation_accept(token=token, user=user, ip_address=ip_address), user


def invitation_account_create(
    *, token: str, claims: dict, ip_address: str | None = None
) -> User | None:
    """At a first sign-in through the provider: create the account of a pending,
    unexpired invitation to this verified e-mail, else None.

    The invitation stays pending: `/invite/<token>` accepts it once signed in.
    """
    invitation = invitation_find_by_token(token=token)
    if (
        invitation is None
        or invitation.effective_status != Invitation.Status.PENDING
        or invitation.email.lower() != claims["email"].lower()
    ):
        return None
    return user_create_from_provider(
        claims=claims,
        institution=invitation.institution,
        details={"method": "invitation", "invitation_id": invitation.pk},
        ip_address=ip_address,
    )


def _validate_new_account(user, password: str) -> None:
    errors: dict[str, list[str]] = {}
    try:
        user.full_clean(exclude=["password", "email"])
    except ValidationError as exc:
        errors.update(
            {key: value for key, value in exc.message_dict.items() if key == "username"}
        )
    if (
        "username" not in errors
        and User.objects.filter(username__iexact=user.username).exists()
    ):
        errors["username"] = ["That username is taken; choose another."]
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)


def _locked_by_token(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("institution")
        .filter(token_hash=invitation_token_hash(token or ""))
        .first()
    )
    if invitation is None:
        raise NotFoundError("This invitation link is not valid.")
    return invitation


def _join(invitation: Invitation, user) -> None:
    institution = invitation.institution
    if invitation.role == Invitation.Role.RESIDENT:
        resident = ResidentProfile.objects.create(
            user=user,
            institution=institution,
            pgy_level=invitation.pgy_level,
            specialty=invitation.specialty,
        )
        features_grant_on_joining(
            resident=resident,
            codes=invitation.feature_codes,
            granted_by=invitation.invited_by,
        )
    elif invitation.role == Invitation.Role.FACULTY:
        FacultyProfile.objects.create(
            user=user, institution=institution, specialty=invitation.specialty
        )
    else:
        admin_membership_add(
            user=user,
            institution=institution,
            is_senior=invitation.is_senior,
            created_by=invitation.invited_by,
        )
