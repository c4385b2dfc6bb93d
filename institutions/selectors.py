"""Reads of the institutions app, always scoped to what the caller may see.

`*_for_user` return querysets a superadmin sees whole, an institution admin sees for
their own institution only, and anyone else sees empty: the admin and the API build
on them, so an unscoped list cannot be written by accident.
"""

from django.db.models import QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import AuditLog
from institutions.models import (
    FacultyProfile,
    FeatureGrant,
    Institution,
    InstitutionAdmin,
    InstitutionFeature,
    Invitation,
    PhysicianProfile,
    ResidentProfile,
)
from institutions.services.authority import admin_membership, is_superadmin
from institutions.tokens import invitation_token_hash
from noumaris.errors import NotFoundError


def user_institution(*, user) -> Institution | None:
    """The institution a resident, faculty member or admin belongs to, else None.

    Physicians and superadmins belong to none. One query, three index lookups by the
    user (not a walk through every institution).
    """
    if user is None or not user.is_authenticated:
        return None
    institution_id = Coalesce(
        *(
            Subquery(
                model.objects.filter(user_id=user.pk)
                .order_by()
                .values("institution_id")[:1]
            )
            for model in (ResidentProfile, FacultyProfile, InstitutionAdmin)
        )
    )
    return Institution.objects.filter(pk=institution_id).first()


# --- Scoped querysets -----------------------------------------------------------------


def _scoped(queryset: QuerySet, user, path: str = "institution") -> QuerySet:
    if is_superadmin(user):
        return queryset
    membership = admin_membership(user)
    if membership is None or not user.is_active:
        return queryset.none()
    return queryset.filter(**{path: membership.institution_id})


def institutions_for_user(user) -> QuerySet[Institution]:
    return _scoped(Institution.objects.all(), user, "pk")


def residents_for_user(
    user, queryset: QuerySet[ResidentProfile] | None = None
) -> QuerySet[ResidentProfile]:
    """`queryset`: residents already shaped (a list's prebuilt rows), to scope instead
    of the default."""
    if queryset is None:
        queryset = ResidentProfile.objects.select_related("user", "institution")
    if queryset.model is not ResidentProfile:
        raise TypeError(f"residents_for_user scopes residents, not {queryset.model}")
    return _scoped(queryset, user)


def admins_for_user(user) -> QuerySet[InstitutionAdmin]:
    return _scoped(InstitutionAdmin.objects.select_related("user", "institution"), user)


def faculty_for_user(user) -> QuerySet[FacultyProfile]:
    return _scoped(FacultyProfile.objects.select_related("user", "institution"), user)


def invitations_for_user(user) -> QuerySet[Invitation]:
    return _scoped(Invitation.objects.select_related("institution", "invited_by"), user)


def feature_grants_for_user(user) -> QuerySet[FeatureGrant]:
    """Residents' grants of the admin's institution; superadmins also see physicians'."""
    return _scoped(
        FeatureGrant.objects.select_related(
            "user", "feature", "institution", "granted_by", "revoked_by"
        ),
        user,
    )


def institution_features_for_user(user) -> QuerySet[InstitutionFeature]:
    return _scoped(
        InstitutionFeature.objects.select_related("institution", "feature"), user
    )


def physicians_for_user(user) -> QuerySet[PhysicianProfile]:
    """Physicians have no institution: only superadmins see them."""
    qs = PhysicianProfile.objects.select_related("user")
    return qs if is_superadmin(user) else qs.none()


def audit_log_for_user(user) -> QuerySet[AuditLog]:
    return _scoped(AuditLog.objects.select_related("institution"), user)


def resident_get(*, user, resident_id) -> ResidentProfile:
    """The resident with this id if `user` may see it, else NotFoundError."""
    try:
        return residents_for_user(user).get(pk=resident_id)
    except (ResidentProfile.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("Resident not found.") from None


def invitation_get(*, user, invitation_id) -> Invitation:
    try:
        return invitations_for_user(user).get(pk=invitation_id)
    except (Invitation.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("Invitation not found.") from None


def institution_get(*, user, institution_id) -> Institution:
    try:
        return institutions_for_user(user).get(pk=institution_id)
    except (Institution.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("Institution not found.") from None


# --- Invitations by token ---------------------------------------------------------


def invitation_find_by_token(*, token: str) -> Invitation | None:
    """The invitation a link's token points to, or None (any status)."""
    if not token or len(token) > 200:
        return None
    return (
        Invitation.objects.select_related("institution", "invited_by")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )


# --- Seats and usage ------------------------------------------------------------------


def pending_invitations(institution: Institution, role: str | None = None) -> QuerySet:
    """Pending invitations that have not expired (they hold a seat)."""
    qs = Invitation.objects.filter(
        institution=institution,
        status=Invitation.Status.PENDING,
        expires_at__gt=timezone.now(),
    )
    return qs.filter(role=role) if role else qs


def resident_seats_used(*, institution: Institution) -> tuple[int, int]:
    """(active residents, pending resident invitations): together the seats used."""
    active = ResidentProfile.objects.filter(
        institution=institution, status=ResidentProfile.Status.ACTIVE
    ).count()
    pending = pending_invitations(institution, Invitation.Role.RESIDENT).count()
    return active, pending


def admin_seats_used(*, institution: Institution) -> tuple[int, int]:
    """(admins, pending admin invitations)."""
    admins = InstitutionAdmin.objects.filter(institution=institution).count()
    pending = pending_invitations(institution, Invitation.Role.ADMIN).count()
    return admins, pending
