"""Reads of the institutions app, always scoped to what the caller may see.

`*_for_user` return querysets a superadmin sees whole, an institution admin sees for
their own institution only, and anyone else sees empty: the admin and the API build
on them, so an unscoped list cannot be written by accident.
"""

from django.db.models import (
    Aggregate,
    CharField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
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
from noumaris.common.errors import NotFoundError


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


def residents_for_user(user) -> QuerySet[ResidentProfile]:
    return _scoped(ResidentProfile.objects.select_related("user", "institution"), user)


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


# --- Lists: filters, search, a stable order, and what their serializers read -------


def active_grants_prefetch(path: str = "user__feature_grants") -> Prefetch:
    """A user's unrevoked grants as `user.active_grants`, with their feature's code
    and name only (the API's `granted_codes`, the admin's feature chips)."""
    return Prefetch(
        path,
        queryset=FeatureGrant.objects.filter(revoked_at__isnull=True)
        .select_related("feature")
        .only("user_id", "feature__code", "feature__name")
        .order_by("feature__name"),
        to_attr="active_grants",
    )


def _enabled_features() -> Prefetch:
    return Prefetch(
        "institution_features",
        queryset=InstitutionFeature.objects.filter(is_enabled=True).select_related(
            "feature"
        ),
        to_attr="enabled_features",
    )


def _person_matches(search: str) -> Q:
    """Part of a person's first or last name, username or e-mail."""
    return (
        Q(user__first_name__icontains=search)
        | Q(user__last_name__icontains=search)
        | Q(user__email__icontains=search)
        | Q(user__username__icontains=search)
    )


def institution_list(*, user, filters: dict) -> QuerySet[Institution]:
    qs = institutions_for_user(user).prefetch_related(_enabled_features())
    if status := filters.get("subscription_status"):
        qs = qs.filter(subscription_status=status)
    if search := filters.get("search"):
        qs = qs.filter(Q(name__icontains=search) | Q(slug__icontains=search))
    return qs.order_by("name", "id")


def institution_detail(*, institution: Institution) -> Institution:
    """The institution again, with its enabled features prefetched."""
    return Institution.objects.prefetch_related(_enabled_features()).get(
        pk=institution.pk
    )


# What `ResidentSerializer` writes, and nothing else, as plain rows (`values()`): no
# model objects built only to be read once, and the fewer columns, the fewer values
# (timestamps above all) psycopg parses. The user's columns stay flat (`user__...`,
# read back into `user` by `ResidentAccountSerializer`): plain columns compile and
# parse cheaper than one object built by the database (a `JSONObject`).
RESIDENT_COLUMNS = (
    "id",
    "institution_id",
    "pgy_level",
    "specialty",
    "status",
    "status_changed_at",
    "created_at",
    "user_id",
    "user__username",
    "user__email",
    "user__first_name",
    "user__last_name",
)


class _CommaList(Aggregate):
    """A group's values joined with commas: `GROUP_CONCAT` (SQLite's default
    separator), `STRING_AGG` on PostgreSQL."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(%(expressions)s, ',')",
            **extra_context,
        )


def _granted_codes() -> Coalesce:
    """The row's user's unrevoked feature codes, comma-separated (codes are slugs),
    as a column of the row's own query: no query, and no grant or feature objects,
    of their own. A resident with none has "" (DRF writes a None column as null,
    never through its field: the API promises a list)."""
    codes = Subquery(
        FeatureGrant.objects.filter(
            user_id=OuterRef("user_id"), revoked_at__isnull=True
        )
        .order_by()
        .values("user_id")
        .annotate(codes=_CommaList("feature__code"))
        .values("codes")
    )
    return Coalesce(codes, Value(""), output_field=CharField())


def _residents_shaped(queryset: QuerySet[ResidentProfile]) -> QuerySet[dict]:
    """What `ResidentSerializer` reads, as `values()` rows: the resident's and their
    user's columns, and the granted codes."""
    return queryset.select_related(None).values(
        *RESIDENT_COLUMNS, granted_codes=_granted_codes()
    )


def resident_list(
    *, user, filters: dict, institution: Institution | None = None
) -> QuerySet[dict]:
    """The residents `user` may see, filtered, by last name, as `values()` rows."""
    qs = _residents_shaped(residents_for_user(user))
    if institution is not None:
        qs = qs.filter(institution=institution)
    if status := filters.get("status"):
        qs = qs.filter(status=status)
    if pgy := filters.get("pgy_level"):
        qs = qs.filter(pgy_level=pgy)
    if specialty := filters.get("specialty"):
        qs = qs.filter(specialty__iexact=specialty)
    if search := filters.get("search"):
        qs = qs.filter(_person_matches(search))
    return qs.order_by("user__last_name", "user__first_name", "id")


def resident_detail(*, resident: ResidentProfile) -> dict:
    """The resident again, as `ResidentSerializer` reads it (a `values()` row)."""
    return _residents_shaped(ResidentProfile.objects.all()).get(pk=resident.pk)


def resident_grants(*, resident: ResidentProfile) -> QuerySet[FeatureGrant]:
    """The resident's unrevoked grants, newest first."""
    return (
        FeatureGrant.objects.filter(user_id=resident.user_id, revoked_at__isnull=True)
        .select_related("feature", "granted_by")
        .order_by("-created_at", "-id")
    )


def invitation_list(
    *, user, filters: dict, institution: Institution | None = None
) -> QuerySet[Invitation]:
    qs = invitations_for_user(user)
    if institution is not None:
        qs = qs.filter(institution=institution)
    now = timezone.now()
    status = filters.get("status")
    if status == Invitation.Status.PENDING:
        qs = qs.filter(status=status, expires_at__gt=now)
    elif status == Invitation.Status.EXPIRED:
        qs = qs.filter(
            Q(status=status) | Q(status=Invitation.Status.PENDING, expires_at__lte=now)
        )
    elif status:
        qs = qs.filter(status=status)
    if role := filters.get("role"):
        qs = qs.filter(role=role)
    if search := filters.get("search"):
        qs = qs.filter(email__icontains=search)
    return qs.order_by("-created_at", "-id")


def admin_list(*, user, institution: Institution) -> QuerySet[InstitutionAdmin]:
    return (
        admins_for_user(user)
        .filter(institution=institution)
        .order_by("user__last_name", "user__first_name", "id")
    )


def physician_list(*, user, filters: dict) -> QuerySet[PhysicianProfile]:
    qs = physicians_for_user(user).prefetch_related(active_grants_prefetch())
    if search := filters.get("search"):
        qs = qs.filter(_person_matches(search) | Q(organization__icontains=search))
    return qs.order_by("user__last_name", "user__first_name", "id")


def audit_list(*, user, filters: dict) -> QuerySet[AuditLog]:
    qs = audit_log_for_user(user)
    if action := filters.get("action"):
        qs = qs.filter(action=action)
    if actor := filters.get("actor"):
        qs = qs.filter(actor_username=actor)
    if institution_id := filters.get("institution"):
        qs = qs.filter(institution_id=institution_id)
    if since := filters.get("since"):
        qs = qs.filter(created_at__gte=since)
    if until := filters.get("until"):
        qs = qs.filter(created_at__lt=until)
    return qs.order_by("-id")


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


def supervision_policies_for_user(user) -> QuerySet[SupervisionPolicy]:
    """Supervision policies the admin may see: their institution's (all for a
    superadmin)."""
    return _scoped(SupervisionPolicy.objects.select_related("institution"), user)


def user_time_zone(*, user) -> str | None:
    """The IANA zone a person's times are shown in: their institution's (residents,
    faculty, admins), else None (physicians and superadmins: the browser's)."""
    institution = user_institution(user=user)
    return institution.timezone if institution is not None else None


def vocabulary_terms(text: str) -> list[str]:
    """The institution's vocabulary as terms: one per line, blanks and repeats dropped."""
    terms, seen = [], set()
    for line in text.splitlines():
        term = " ".join(line.split())
        if term and term.lower() not in seen:
            seen.add(term.lower())
            terms.append(term)
    return terms
