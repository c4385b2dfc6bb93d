"""The feature catalogue, features an institution has, and grants to people."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import AuditLog
from accounts.services import audit_record
from institutions.models import (
    Feature,
    FeatureGrant,
    InstitutionFeature,
    PhysicianProfile,
    ResidentProfile,
)
from institutions.services.authority import (
    existing_role,
    require_institution_admin,
    require_superadmin,
)
from noumaris.common.errors import ConflictError


@dataclass(frozen=True)
class FeatureSpec:
    """What the product says of a feature beyond its name (`Feature.Code`'s label)."""

    code: Feature.Code
    short_name: str  # where space is short (the admin's residents list)
    description: str

    @property
    def name(self) -> str:
        return self.code.label


CATALOGUE = (
    FeatureSpec(
        Feature.Code.LIVE_TRANSCRIPTION,
        "Transcription",
        "Record an encounter in the browser and watch the transcript appear live.",
    ),
    FeatureSpec(
        Feature.Code.NOTE_GENERATION,
        "Notes",
        "Draft a clinical note from a template and the transcript.",
    ),
    FeatureSpec(
        Feature.Code.CUSTOM_TEMPLATES, "Templates", "Write personal note templates."
    ),
    FeatureSpec(
        Feature.Code.NOTE_EXPORT,
        "Export",
        "Export signed notes as text, Markdown or FHIR.",
    ),
)
SHORT_NAMES = {spec.code.value: spec.short_name for spec in CATALOGUE}


@transaction.atomic
def feature_seed() -> list[Feature]:
    """Create the catalogue's missing features; return the ones created (idempotent)."""
    created = []
    for spec in CATALOGUE:
        feature, was_created = Feature.objects.get_or_create(
            code=spec.code,
            defaults={"name": spec.name, "description": spec.description},
        )
        if was_created:
            created.append(feature)
    return created


# --- Grants -----------------------------------------------------------------------


def feature_grant(
    *, actor, resident: ResidentProfile, code: str, ip_address: str | None = None
) -> FeatureGrant:
    """Grant a feature the resident's institution has; writes FEATURE_GRANTED.

    Raises ValidationError when the institution lacks the feature and ConflictError
    when the resident already has it.
    """
    require_institution_admin(actor, resident.institution)
    feature = _feature(code)
    with transaction.atomic():
        if not InstitutionFeature.objects.filter(
            institution_id=resident.institution_id, feature=feature, is_enabled=True
        ).exists():
            raise ValidationError(
                {"feature": [f"{resident.institution} does not include {feature}."]}
            )
        grant = _grant(actor, resident.user, feature, resident.institution)
        audit_record(
            actor=actor,
            action=AuditLog.Action.FEATURE_GRANTED,
            target=grant,
            institution=resident.institution,
            ip_address=ip_address,
            details={"feature": code, "username": resident.user.username},
        )
    return grant


def features_grant_on_joining(
    *, resident: ResidentProfile, codes: list[str], granted_by
) -> list[FeatureGrant]:
    """On accepting an invitation: grant the features it carries that the
    institution still has (one FEATURE_GRANTED each, by the inviting admin)."""
    features = Feature.objects.filter(
        code__in=codes,
        institution_features__institution_id=resident.institution_id,
        institution_features__is_enabled=True,
    )
    grants = []
    held = set(
        FeatureGrant.objects.filter(
            user=resident.user, revoked_at__isnull=True
        ).values_list("feature_id", flat=True)
    )
    for feature in features.exclude(pk__in=held):
        grant = _grant(granted_by, resident.user, feature, resident.institution)
        audit_record(
            actor=granted_by,
            action=AuditLog.Action.FEATURE_GRANTED,
            target=grant,
            institution=resident.institution,
            details={
                "feature": feature.code,
                "username": resident.user.username,
                "source": "invitation",
            },
        )
        grants.append(grant)
    return grants


def feature_revoke(
    *, actor, resident: ResidentProfile, code: str, ip_address: str | None = None
) -> FeatureGrant:
    """Revoke a resident's grant (the row stays, with who and when)."""
    require_institution_admin(actor, resident.institution)
    feature = _feature(code)
    with transaction.atomic():
        grant = _revoke(actor, resident.user, feature)
        audit_record(
            actor=actor,
            action=AuditLog.Action.FEATURE_REVOKED,
            target=grant,
            institution=resident.institution,
            ip_address=ip_address,
            details={"feature": code, "username": resident.user.username},
        )
    return grant


def physician_create(
    *,
    actor,
    user,
    specialty: str = "",
    organization: str = "",
    ip_address: str | None = None,
) -> PhysicianProfile:
    """Make an account an individual physician (superadmins only)."""
    require_superadmin(actor, to="add physicians")
    with transaction.atomic():
        role = existing_role(user)
        if role:
            raise ConflictError(f"{user} is already {role}; one account has one role.")
        profile = PhysicianProfile.objects.create(
            user=user, specialty=specialty.strip(), organization=organization.strip()
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.PHYSICIAN_CREATED,
            target=profile,
            ip_address=ip_address,
            details={"username": user.username},
        )
    return profile


def physician_feature_grant(
    *, actor, physician: PhysicianProfile, code: str, ip_address: str | None = None
) -> FeatureGrant:
    """Grant a feature directly to an individual physician (superadmins only)."""
    require_superadmin(actor, to="grant features to physicians")
    feature = _feature(code)
    with transaction.atomic():
        grant = _grant(actor, physician.user, feature, None)
        audit_record(
            actor=actor,
            action=AuditLog.Action.FEATURE_GRANTED,
            target=grant,
            ip_address=ip_address,
            details={"feature": code, "username": physician.user.username},
        )
    return grant


def physician_feature_revoke(
    *, actor, physician: PhysicianProfile, code: str, ip_address: str | None = None
) -> FeatureGrant:
    """Revoke a physician's direct grant (superadmins only)."""
    require_superadmin(actor, to="revoke physicians' features")
    feature = _feature(code)
    with transaction.atomic():
        grant = _revoke(actor, physician.user, feature)
        audit_record(
            actor=actor,
            action=AuditLog.Action.FEATURE_REVOKED,
            target=grant,
            ip_address=ip_address,
            details={"feature": code, "username": physician.user.username},
        )
    return grant


def _feature(code: str) -> Feature:
    feature = Feature.objects.filter(code=code).first()
    if feature is None:
        raise ValidationError({"feature": [f"There is no feature called '{code}'."]})
    return feature


def _grant(actor, user, feature, institution) -> FeatureGrant:
    if FeatureGrant.objects.filter(
        user=user, feature=feature, revoked_at__isnull=True
    ).exists():
        raise ConflictError(f"{user} already has {feature}.")
    try:
        with transaction.atomic():
            return FeatureGrant.objects.create(
                user=user, feature=feature, institution=institution, granted_by=actor
            )
    except IntegrityError:  # granted concurrently
        raise ConflictError(f"{user} already has {feature}.") from None


def _revoke(actor, user, feature) -> FeatureGrant:
    grant = (
        FeatureGrant.objects.select_for_update()
        .filter(user=user, feature=feature, revoked_at__isnull=True)
        .first()
    )
    if grant is None:
        raise ConflictError(f"{user} does not have {feature}.")
    grant.revoked_at = timezone.now()
    grant.revoked_by = actor
    grant.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    return grant
