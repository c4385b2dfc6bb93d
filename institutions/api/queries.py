"""The API's query shape: filters, search, stable order and prefetches for its lists.

Scoping is not decided here: every function starts from the institutions app's
`*_for_user` selector, so a list only ever narrows what the caller may see.
"""

from django.db.models import (
    Aggregate,
    CharField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from accounts.models import AuditLog
from institutions.models import (
    FeatureGrant,
    Institution,
    InstitutionAdmin,
    InstitutionFeature,
    Invitation,
    PhysicianProfile,
    ResidentProfile,
)
from institutions.selectors import (
    admins_for_user,
    audit_log_for_user,
    institutions_for_user,
    invitations_for_user,
    physicians_for_user,
    residents_for_user,
)


def _active_grants(path: str) -> Prefetch:
    return Prefetch(
        path,
        queryset=FeatureGrant.objects.filter(revoked_at__isnull=True)
        .select_related("feature", "granted_by")
        .only(
            "user_id",
            "created_at",
            "revoked_at",
            "feature__code",
            "granted_by__username",
        ),
        to_attr="active_grants",
    )


# The residents list reads plain rows (tuples, in this order): a page of 50 as models
# would build 50 profiles, 50 users, and a grant, a feature and a user per grant, for a
# dozen values each. `resident_rows` unpacks them.
RESIDENT_VALUES = (
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


def resident_list(
    *, user, filters: dict, institution: Institution | None = None
) -> QuerySet[tuple]:
    """Rows of `RESIDENT_VALUES` and the granted codes; `resident_rows` shapes a page."""
    qs = residents_for_user(user, queryset=RESIDENT_ROWS.all())  # never the shared one
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
    return qs


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


# A resident row's unrevoked feature codes, comma-separated (codes are slugs, so
# never hold a comma), as a column of the row's own query. Built once: `annotate`
# resolves a copy each time, and building it anew cost a fifth of the list's ORM work.
GRANTED_CODES = Subquery(
    FeatureGrant.objects.filter(user_id=OuterRef("user_id"), revoked_at__isnull=True)
    .order_by()
    .values("user_id")
    .annotate(codes=_CommaList("feature__code"))
    .values("codes")
)


# The residents list's rows, ordered, built once: `values` and `annotate` resolve every
# lookup and copy the subquery on each call, half of the list's ORM work. Each request
# clones it and narrows it (its scope first), as DRF's class-level `queryset` is used.
RESIDENT_ROWS = (
    ResidentProfile.objects.order_by("user__last_name", "user__first_name", "id")
    .annotate(granted_codes=GRANTED_CODES)
    .values_list(*RESIDENT_VALUES, "granted_codes")
)


def _codes(joined: str | None) -> list[str]:
    return sorted(joined.split(",")) if joined else []


def resident_rows(page: list[tuple]) -> list[dict]:
    """A page of `resident_list` as `ResidentSerializer` writes it, with each
    resident's granted features (read in the page's own query)."""
    return [
        {
            "id": pk,
            "user": {
                "id": user_id,
                "username": username,
                "email": email,
                "first_name": first_name,
                "last_name": last_name,
            },
            "institution_id": institution_id,
            "pgy_level": pgy_level,
            "specialty": specialty,
            "status": status,
            "status_changed_at": status_changed_at,
            "features": _codes(granted_codes),
            "created_at": created_at,
        }
        for (
            pk,
            institution_id,
            pgy_level,
            specialty,
            status,
            status_changed_at,
            created_at,
            user_id,
            username,
            email,
            first_name,
            last_name,
            granted_codes,
        ) in page
    ]


def resident_detail(*, resident: ResidentProfile) -> ResidentProfile:
    """The resident again, with `features`: the codes of their unrevoked grants."""
    resident = (
        ResidentProfile.objects.select_related("user", "institution")
        .annotate(granted_codes=GRANTED_CODES)
        .get(pk=resident.pk)
    )
    resident.features = _codes(resident.granted_codes)
    return resident


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
    qs = physicians_for_user(user).prefetch_related(
        _active_grants("user__feature_grants")
    )
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
