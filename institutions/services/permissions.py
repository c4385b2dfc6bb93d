"""The one rule that decides feature access everywhere (DESIGN 'Roles').

API views, pages, the WebSocket consumer and the admin all call `check_feature` or
`require_feature`; none re-implements the rule.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef

from institutions.models import (
    Feature,
    FeatureGrant,
    Institution,
    InstitutionFeature,
    PhysicianProfile,
    ResidentProfile,
)
from noumaris.errors import ForbiddenError


@dataclass(frozen=True)
class FeatureAccess:
    allowed: bool
    reason: str = ""  # a human sentence when denied

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = FeatureAccess(True)


def check_feature(user, code: str) -> FeatureAccess:
    """Decide whether `user` may use feature `code` now, in at most one query.

    Superadmins may use everything. A resident needs: the feature to exist and be on,
    their institution to have it, its subscription to be trial or active, their own
    status to be active, and an unrevoked grant. A physician needs the feature on and
    an unrevoked direct grant. Everyone else is denied, with the reason.
    """
    if user is None or not user.is_authenticated:
        return FeatureAccess(False, "Sign in to use this feature.")
    if not user.is_active:
        return FeatureAccess(False, "Your account is disabled.")
    if getattr(user, "is_superadmin", False):
        return ALLOWED
    facts = _access_facts(user, code)
    if facts is None or facts["feature_name"] is None:
        return FeatureAccess(False, f"There is no feature called '{code}'.")
    name = facts["feature_name"]
    if not facts["feature_active"]:
        return FeatureAccess(False, f"{name} is switched off for everyone right now.")
    if facts["resident_status"] is not None:
        return _resident_access(facts, name)
    if facts["is_physician"]:
        if facts["granted"]:
            return ALLOWED
        return FeatureAccess(
            False, f"{name} has not been granted to your account; contact Noumaris."
        )
    return FeatureAccess(
        False, f"{name} is available to residents and physicians only."
    )


def require_feature(*, user, code: str) -> None:
    """Raise ForbiddenError with the human reason when `user` may not use `code`."""
    access = check_feature(user, code)
    if not access:
        raise ForbiddenError(access.reason)


def _resident_access(facts: dict, name: str) -> FeatureAccess:
    status = facts["resident_status"]
    institution = facts["institution_name"]
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
    return ALLOWED


def _access_facts(user, code: str) -> dict | None:
    """Everything the rule needs, from one query on the user row."""
    feature = Feature.objects.filter(code=code)
    return (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            feature_name=feature.values("name")[:1],
            feature_active=feature.values("is_active")[:1],
            resident_status=F("resident_profile__status"),
            institution_name=F("resident_profile__institution__name"),
            subscription_status=F("resident_profile__institution__subscription_status"),
            institution_has=Exists(
                InstitutionFeature.objects.filter(
                    institution=OuterRef("resident_profile__institution"),
                    feature__code=code,
                    is_enabled=True,
                )
            ),
            is_physician=Exists(PhysicianProfile.objects.filter(user=OuterRef("pk"))),
            granted=Exists(
                FeatureGrant.objects.filter(
                    user=OuterRef("pk"), feature__code=code, revoked_at__isnull=True
                )
            ),
        )
        .values(
            "feature_name",
            "feature_active",
            "resident_status",
            "institution_name",
            "subscription_status",
            "institution_has",
            "is_physician",
            "granted",
        )
        .first()
    )
