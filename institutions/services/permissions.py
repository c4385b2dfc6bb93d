"""The one rule that decides feature access everywhere (DESIGN 'Roles').

API views, pages, the WebSocket consumer and the admin all call `check_feature` or
`require_feature`; none re-implements the rule.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Subquery

from institutions.models import (
    Feature,
    FeatureGrant,
    Institution,
    InstitutionFeature,
    PhysicianProfile,
    ResidentProfile,
)
from institutions.services.supervision import drafting_denial
from noumaris.common.errors import ForbiddenError


@dataclass(frozen=True)
class FeatureAccess:
    allowed: bool
    reason: str = ""  # a human sentence when denied

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = FeatureAccess(True)


def check_feature(user, code: str) -> FeatureAccess:
    """Decide whether `user` may use feature `code` now, in at most one query.

    Every feature touches patients' records, so only clinicians use them: a
    superadmin runs the platform and, without a clinical role, is denied with that
    reason (PHI is for the care team). A resident needs: the feature to exist and be on,
    their institution to have it, its subscription to be trial or active, their own
    status to be active, an unrevoked grant, and (for AI drafting) a PGY level the
    institution's supervision policy allows. A physician needs the feature on and
    an unrevoked direct grant. Everyone else is denied, with the reason.
    """
    denied = _account_denial(user)
    if denied is not None:
        return denied
    facts = _access_facts(user, codes=[code])
    if not facts:
        return FeatureAccess(False, f"There is no feature called '{code}'.")
    return _decide(facts[0])


def check_features(user) -> list[tuple[Feature, FeatureAccess]]:
    """`check_feature` for every feature of the catalogue, by code, in one query."""
    denied = _account_denial(user)
    if denied is not None:
        return [(feature, denied) for feature in Feature.objects.order_by("code")]
    return [(facts["feature"], _decide(facts)) for facts in _access_facts(user)]


def _account_denial(user) -> FeatureAccess | None:
    """The answer that needs no query: anonymous or disabled."""
    if user is None or not user.is_authenticated:
        return FeatureAccess(False, "Sign in to use this feature.")
    if not user.is_active:
        return FeatureAccess(False, "Your account is disabled.")
    return None


PLATFORM_STAFF = (
    "Superadmins run the platform; recording, drafting and reading patients' "
    "encounters is for the clinicians of an institution."
)


def _decide(facts: dict) -> FeatureAccess:
    name = facts["feature"].name
    if not facts["feature"].is_active:
        return FeatureAccess(False, f"{name} is switched off for everyone right now.")
    if facts["resident_status"] is not None:
        return _resident_access(facts, name)
    if facts["is_physician"]:
        if facts["granted"]:
            return ALLOWED
        return FeatureAccess(
            False, f"{name} has not been granted to your account; contact Noumaris."
        )
    if facts["is_superadmin"]:
        return FeatureAccess(False, PLATFORM_STAFF)
    return FeatureAccess(
        False, f"{name} is available to residents and physicians only."
    )


def require_feature(*, user, code: str) -> None:
    """Raise ForbiddenError with the human reason when `user` may not use `code`."""
    access = check_feature(user, code)
    if not access:
        raise ForbiddenError(access.reason)


def _residency_ended(status: str, institution: str) -> FeatureAccess | None:
    """The denial for a resident who is no longer active, else None."""
    if status == ResidentProfile.Status.GRADUATED:
        return FeatureAccess(
            False, f"You have graduated from {institution}; your access has ended."
        )
    if status != ResidentProfile.Status.ACTIVE:
        return FeatureAccess(
            False,
            f"Your resident account at {institution} is inactive; "
            "ask your program administrator.",
        )
    return None


def _resident_access(facts: dict, name: str) -> FeatureAccess:
    ended = _residency_ended(facts["resident_status"], facts["institution_name"])
    if ended is not None:
        return ended
    institution = facts["institution_name"]
    subscription = facts["subscription_status"]
    if subscription not in Institution.USABLE_STATUSES:
        label = Institution.SubscriptionStatus(subscription).label.lower()
        return FeatureAccess(False, f"Your institution's subscription is {label}.")
    if not facts["institution_has"]:
        return FeatureAccess(False, f"{institution} does not include {name}.")
    if not facts["granted"]:
        return FeatureAccess(
            False,
            f"{name} has not been granted to you; ask your program administrator.",
        )
    policy = drafting_denial(
        code=facts["feature"].code,
        pgy_level=facts["pgy_level"],
        min_pgy=facts["min_pgy"],
        institution=institution,
    )
    return FeatureAccess(False, policy) if policy else ALLOWED


def _access_facts(user, codes: list[str] | None = None) -> list[dict]:
    """Everything the rule needs, per feature (all, or `codes`), in one query."""
    features = Feature.objects.order_by("code")
    if codes is not None:
        features = features.filter(code__in=codes)
    profile = ResidentProfile.objects.filter(user_id=user.pk).order_by()
    rows = features.annotate(
        resident_status=Subquery(profile.values("status")[:1]),
        institution_name=Subquery(profile.values("institution__name")[:1]),
        pgy_level=Subquery(profile.values("pgy_level")[:1]),
        min_pgy=Subquery(
            profile.values("institution__supervision_policy__ai_drafting_min_pgy")[:1]
        ),
        subscription_status=Subquery(
            profile.values("institution__subscription_status")[:1]
        ),
        institution_has=Exists(
            InstitutionFeature.objects.filter(
                feature=OuterRef("pk"),
                is_enabled=True,
                institution__residents__user_id=user.pk,
            )
        ),
        is_physician=Exists(PhysicianProfile.objects.filter(user_id=user.pk)),
        granted=Exists(
            FeatureGrant.objects.filter(
                user_id=user.pk, feature=OuterRef("pk"), revoked_at__isnull=True
            )
        ),
    )
    facts = ("resident_status", "institution_name", "subscription_status")
    facts += ("institution_has", "is_physician", "granted", "pgy_level", "min_pgy")
    superadmin = bool(getattr(user, "is_superadmin", False))
    return [
        {
            "feature": feature,
            "is_superadmin": superadmin,
            **{fact: getattr(feature, fact) for fact in facts},
        }
        for feature in rows
    ]


# --- Clinical records of a residency that ended (DESIGN 'Roles') -----------------------
# A graduated or deactivated resident keeps their sign-in but no longer reads, edits,
# signs or exports any encounter, transcript or note, their own included: the records
# stay with the institution (the attending still co-signs what was signed).


def records_open(user) -> Exists:
    """True where `user` may still hold their own clinical records, for a filter."""
    return ~Exists(
        ResidentProfile.objects.filter(user_id=user.pk).exclude(
            status=ResidentProfile.Status.ACTIVE
        )
    )


def records_closed_reason(user) -> str | None:
    """Why `user`'s own clinical records are closed to them, or None if they are not."""
    row = (
        ResidentProfile.objects.filter(user_id=user.pk)
        .values_list("status", "institution__name")
        .first()
    )
    ended = _residency_ended(*row) if row else None
    return ended.reason if ended is not None else None


def records_missing(*, user, missing: str) -> Exception:
    """The error for a record the user's scope does not hold: 403 with the reason
    when their residency ended, else the 404 a missing record gets."""
    from noumaris.common.errors import NotFoundError

    reason = records_closed_reason(user)
    return ForbiddenError(reason) if reason else NotFoundError(missing)
