"""Who may act on an institution, checked inside every service (defence in depth).

Views and the admin scope their querysets first, so these checks rarely fire; when
they do, another tenant's institution looks absent (404), as DESIGN asks.
"""

from django.core.exceptions import ObjectDoesNotExist

from institutions.models import Institution, InstitutionAdmin
from noumaris.common.errors import ForbiddenError, NotFoundError


def is_superadmin(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and getattr(user, "is_superadmin", False)
    )


def admin_membership(user) -> InstitutionAdmin | None:
    """The InstitutionAdmin row of an active user, or None (cached on the user).

    The one answer to "is this an institution admin": services, selectors, the API's
    permissions and the admin site all ask it.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    try:
        return user.institution_admin
    except InstitutionAdmin.DoesNotExist:
        return None


def require_superadmin(actor, *, to: str) -> None:
    """Raise ForbiddenError "Only superadmins can {to}." unless actor is one."""
    if not is_superadmin(actor):
        raise ForbiddenError(f"Only superadmins can {to}.")


def require_institution_admin(
    actor, institution: Institution, *, senior=False, to="add admins to the institution"
) -> None:
    """Allow superadmins and (senior, if asked: "Only senior admins can {to}.")
    admins of `institution`.

    An admin of another institution gets NotFoundError, as for a missing one.
    """
    if is_superadmin(actor):
        return
    membership = admin_membership(actor)
    if membership is None or membership.institution_id != institution.pk:
        raise NotFoundError("Institution not found.")
    if senior and not membership.is_senior:
        raise ForbiddenError(f"Only senior admins can {to}.")


def may_change_recordings(user, institution_id) -> bool:
    """Who decides how an institution keeps its recordings: a superadmin, or one of
    its senior admins (`institution_recordings_set` enforces the same rule)."""
    if is_superadmin(user):
        return True
    membership = admin_membership(user)
    return bool(
        membership
        and membership.is_senior
        and (institution_id is None or membership.institution_id == institution_id)
    )


def institution_lock(institution: Institution) -> Institution:
    """Lock the institution's row until the transaction ends (seat counting).

    On PostgreSQL two admins inviting for the last seat queue here, and the second
    counts the first one's invitation. SQLite serialises writers anyway.
    """
    return Institution.objects.select_for_update().get(pk=institution.pk)


def existing_role(user) -> str:
    """A description of the role the user already has, or ""."""
    if getattr(user, "is_superadmin", False):
        return "a superadmin"
    for relation, label in (
        ("resident_profile", "a resident"),
        ("faculty_profile", "faculty"),
        ("institution_admin", "an institution admin"),
        ("physician_profile", "an individual physician"),
    ):
        try:
            profile = getattr(user, relation)
        except ObjectDoesNotExist:
            continue
        institution = getattr(profile, "institution", None)
        return f"{label} at {institution}" if institution else label
    return ""
