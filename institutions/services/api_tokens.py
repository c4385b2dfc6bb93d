"""Personal API tokens (django-rest-knox): an admin issues one to a person of their
institution (a superadmin, to anyone) for calling the API without the OpenID
provider, e.g. with curl on `make run`. Knox keeps only a SHA-512 digest of the
token; it is shown once, expires, is revoked by deleting it; both are audited."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from knox.models import AuthToken

from accounts.models import AuditLog
from accounts.services import audit_record
from institutions.selectors import user_institution
from institutions.services.authority import admin_membership, is_superadmin
from noumaris.common.errors import NotFoundError

DEFAULT_DAYS = 90
MAX_DAYS = 365


def _require_may_manage(*, actor, user) -> None:
    """A superadmin manages anyone's tokens; an admin, those of their institution's
    people (anyone else's user looks absent)."""
    if is_superadmin(actor):
        return
    membership = admin_membership(actor)
    institution = user_institution(user=user)
    if membership is None or institution is None:
        raise NotFoundError("No such person.")
    if membership.institution_id != institution.pk:
        raise NotFoundError("No such person.")


@transaction.atomic
def api_token_issue(
    *, actor, user, days: int = DEFAULT_DAYS, ip_address=None
) -> tuple[AuthToken, str]:
    """Issue `user` a token valid `days` (1-365); returns the row and the token,
    which is shown once and never stored."""
    _require_may_manage(actor=actor, user=user)
    days = min(max(int(days), 1), MAX_DAYS)
    instance, token = AuthToken.objects.create(
        user=user, expiry=dt.timedelta(days=days)
    )
    audit_record(
        actor=actor,
        action=AuditLog.Action.API_TOKEN_ISSUED,
        target=user,
        target_type="accounts.User",
        institution=user_institution(user=user),
        ip_address=ip_address,
        details={
            "username": user.username,
            "token_key": instance.token_key,
            "expires_at": instance.expiry.isoformat(),
        },
    )
    return instance, token


@transaction.atomic
def api_token_revoke(*, actor, token: AuthToken, ip_address=None) -> None:
    """Revoke a token at once (its row goes; a request with it is then a 401)."""
    _require_may_manage(actor=actor, user=token.user)
    audit_record(
        actor=actor,
        action=AuditLog.Action.API_TOKEN_REVOKED,
        target=token.user,
        target_type="accounts.User",
        institution=user_institution(user=token.user),
        ip_address=ip_address,
        details={"username": token.user.username, "token_key": token.token_key},
    )
    token.delete()


def api_tokens_for_user(actor):
    """The tokens an admin sees: their institution's people's; a superadmin's, all."""
    tokens = AuthToken.objects.select_related("user").order_by("-created")
    if is_superadmin(actor):
        return tokens
    membership = admin_membership(actor)
    if membership is None:
        return tokens.none()
    return tokens.filter(
        _of_institution(membership.institution_id, "user__")
    ).distinct()


def people_for_tokens(actor):
    """Whom `actor` may issue a token to: their institution's people (anyone, for a
    superadmin), active accounts only."""
    users = get_user_model().objects.filter(is_active=True).order_by("username")
    if is_superadmin(actor):
        return users
    membership = admin_membership(actor)
    if membership is None:
        return users.none()
    return users.filter(_of_institution(membership.institution_id, "")).distinct()


def _of_institution(institution_id, prefix: str) -> Q:
    return (
        Q(**{f"{prefix}resident_profile__institution_id": institution_id})
        | Q(**{f"{prefix}faculty_profile__institution_id": institution_id})
        | Q(**{f"{prefix}institution_admin__institution_id": institution_id})
    )
