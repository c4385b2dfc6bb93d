"""Reads of the institutions app, always scoped to what the caller may see.

`*_for_user` return querysets a superadmin sees whole, an institution admin sees for
their own institution only, and anyone else sees empty: the admin and the API build
on them, so an unscoped list cannot be written by accident.
"""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Count, QuerySet, Subquery
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
    SupervisionPolicy,
)
from institutions.services.authority import admin_membership, is_superadmin
from institutions.tokens import invitation_token_hash
from noumaris.errors import NotFoundError
from templates_app.selectors import notes_by_month
from transcription.selectors import transcription_minutes_by_month

USAGE_MONTHS = 6


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


@dataclass(frozen=True)
class MonthActivity:
    month: dt.date
    transcription_minutes: float
    notes: int


@dataclass(frozen=True)
class InstitutionUsage:
    seats_used: int
    seats_limit: int
    active_residents: int
    pending_resident_invitations: int
    admins: int
    admins_limit: int
    pending_invitations: int
    residents_by_status: dict[str, int]
    residents_by_pgy: dict[int, int]
    transcription_minutes_this_month: float
    notes_this_month: int
    months: list[MonthActivity] = field(default_factory=list)

    @property
    def seats_free(self) -> int:
        return max(self.seats_limit - self.seats_used, 0)


def institution_usage(*, institution: Institution) -> InstitutionUsage:
    """Seats, admins, invitations, residents by status and PGY, and monthly activity.

    Transcription minutes and notes come from the transcription and notes apps'
    selectors (zero until those apps record anything).
    """
    by_status = dict.fromkeys(ResidentProfile.Status.values, 0)
    by_pgy: dict[int, int] = {}
    rows = (
        ResidentProfile.objects.filter(institution=institution)
        .values("status", "pgy_level")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        if row["status"] == ResidentProfile.Status.ACTIVE:
            by_pgy[row["pgy_level"]] = by_pgy.get(row["pgy_level"], 0) + row["n"]
    pending = dict(
        pending_invitations(institution)
        .values_list("role")
        .annotate(n=Count("id"))
        .order_by()
    )
    pending_residents = pending.get(Invitation.Role.RESIDENT, 0)
    months = _monthly_activity(institution)
    this_month = months[-1]
    return InstitutionUsage(
        seats_used=by_status[ResidentProfile.Status.ACTIVE] + pending_residents,
        seats_limit=institution.max_residents,
        active_residents=by_status[ResidentProfile.Status.ACTIVE],
        pending_resident_invitations=pending_residents,
        admins=InstitutionAdmin.objects.filter(institution=institution).count(),
        admins_limit=institution.max_admins,
        pending_invitations=sum(pending.values()),
        residents_by_status=by_status,
        residents_by_pgy=dict(sorted(by_pgy.items())),
        transcription_minutes_this_month=this_month.transcription_minutes,
        notes_this_month=this_month.notes,
        months=months,
    )


def _month_starts(institution: Institution, count: int) -> list[dt.date]:
    """The first days of the last `count` months in the institution's time zone."""
    try:
        zone = ZoneInfo(institution.timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    today = timezone.now().astimezone(zone).date()
    year, month = today.year, today.month
    starts = []
    for _ in range(count):
        starts.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return starts[::-1]


def _monthly_activity(institution: Institution) -> list[MonthActivity]:
    minutes = transcription_minutes_by_month(
        institution=institution, months=USAGE_MONTHS
    )
    notes = notes_by_month(institution=institution, months=USAGE_MONTHS)
    return [
        MonthActivity(
            month=start,
            transcription_minutes=round(float(minutes.get(start, 0) or 0), 1),
            notes=int(notes.get(start, 0) or 0),
        )
        for start in _month_starts(institution, USAGE_MONTHS)
    ]


def supervision_policies_for_user(user) -> QuerySet[SupervisionPolicy]:
    """Supervision policies the admin may see: their institution's (all for a
    superadmin)."""
    return _scoped(SupervisionPolicy.objects.select_related("institution"), user)
