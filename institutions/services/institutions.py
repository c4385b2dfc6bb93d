"""Institutions (superadmin), their subscription and features, and their admins.

An admin is added one way only, from every interface: an admin invitation
(`invitation_create(role="admin")`), accepted by the person it names.
"""

from collections.abc import Iterable
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from accounts.models import AuditLog, User
from accounts.services import audit_record
from institutions.models import (
    Feature,
    Institution,
    InstitutionAdmin,
    InstitutionFeature,
)
from institutions.selectors import (
    admin_seats_used,
    resident_seats_used,
    vocabulary_terms,
)
from institutions.services.authority import (
    institution_lock,
    require_institution_admin,
    require_superadmin,
)
from noumaris.common.errors import ConflictError

UPDATABLE_FIELDS = ("name", "contact_email", "timezone", "max_residents", "max_admins")


def institution_create(
    *,
    actor,
    name: str,
    contact_email: str = "",
    timezone: str = "UTC",
    subscription_status: str = Institution.SubscriptionStatus.TRIAL,
    max_residents: int = 50,
    max_admins: int = 5,
    feature_codes: Iterable[str] = (),
    ip_address: str | None = None,
) -> Institution:
    """Onboard an institution (superadmins only), with the features it bought.

    Raises ConflictError "Institution with name 'X' already exists" (any
    capitalisation) and ValidationError on bad fields.
    """
    require_superadmin(actor, to="create institutions")
    values = _clean_institution_fields(
        name=name,
        contact_email=contact_email,
        timezone=timezone,
        max_residents=max_residents,
        max_admins=max_admins,
    )
    if subscription_status not in Institution.SubscriptionStatus.values:
        raise ValidationError({"subscription_status": ["Not a subscription status."]})
    features = _features(feature_codes)
    with transaction.atomic():
        _refuse_duplicate_name(values["name"])
        try:
            with transaction.atomic():
                institution = Institution.objects.create(
                    slug=_free_slug(values["name"]),
                    subscription_status=subscription_status,
                    **values,
                )
        except IntegrityError:  # a concurrent create with the same name
            raise _duplicate(values["name"]) from None
        InstitutionFeature.objects.bulk_create(
            InstitutionFeature(institution=institution, feature=feature)
            for feature in features
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.INSTITUTION_CREATED,
            target=institution,
            institution=institution,
            ip_address=ip_address,
            details={
                "name": institution.name,
                "subscription_status": subscription_status,
                "features": sorted(f.code for f in features),
            },
        )
    return institution


def institution_update(
    *, actor, institution: Institution, ip_address: str | None = None, **changes
) -> Institution:
    """Change name, contact_email, timezone, max_residents or max_admins (superadmin).

    Seats cannot go below what is already used. Writes INSTITUTION_UPDATED with the
    changed fields (nothing, and no audit row, when nothing changed).
    """
    require_superadmin(actor, to="change institutions")
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ValidationError(
            {f: ["This field cannot be changed here."] for f in unknown}
        )
    with transaction.atomic():
        locked = institution_lock(institution)
        current = {f: getattr(locked, f) for f in UPDATABLE_FIELDS}
        values = _clean_institution_fields(**{**current, **changes})
        changed = {f: v for f, v in values.items() if v != current[f]}
        if not changed:
            return locked
        if "name" in changed:
            _refuse_duplicate_name(values["name"], exclude=locked.pk)
        _refuse_seats_below_use(locked, changed)
        for name, value in changed.items():
            setattr(locked, name, value)
        try:
            with transaction.atomic():
                locked.save(update_fields=[*changed, "updated_at"])
        except IntegrityError:
            raise _duplicate(values["name"]) from None
        audit_record(
            actor=actor,
            action=AuditLog.Action.INSTITUTION_UPDATED,
            target=locked,
            institution=locked,
            ip_address=ip_address,
            details={
                "changes": {f: [current[f], changed[f]] for f in changed},
            },
        )
    return locked


def institution_subscription_change(
    *, actor, institution: Institution, status: str, ip_address: str | None = None
) -> Institution:
    """Set the subscription status (superadmins only); residents keep their features
    only while it is trial or active."""
    require_superadmin(actor, to="change subscriptions")
    if status not in Institution.SubscriptionStatus.values:
        raise ValidationError(
            {
                "status": [
                    f"Choose one of: {', '.join(Institution.SubscriptionStatus.values)}."
                ]
            }
        )
    with transaction.atomic():
        locked = institution_lock(institution)
        previous = locked.subscription_status
        if previous == status:
            return locked
        locked.subscription_status = status
        locked.save(update_fields=["subscription_status", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditLog.Action.SUBSCRIPTION_CHANGED,
            target=locked,
            institution=locked,
            ip_address=ip_address,
            details={"from": previous, "to": status},
        )
    return locked


def institution_features_set(
    *,
    actor,
    institution: Institution,
    feature_codes: Iterable[str],
    ip_address: str | None = None,
) -> list[str]:
    """Make the institution have exactly these features (superadmins only).

    Features taken away keep residents' grants, but check_feature denies them until
    the institution has the feature again. Returns the codes it now has.
    """
    require_superadmin(actor, to="change an institution's features")
    wanted = {feature.pk: feature for feature in _features(feature_codes)}
    with transaction.atomic():
        locked = institution_lock(institution)
        rows = {
            row.feature_id: row
            for row in InstitutionFeature.objects.filter(institution=locked)
        }
        had = {fid for fid, row in rows.items() if row.is_enabled}
        if had == set(wanted):
            return sorted(f.code for f in wanted.values())
        InstitutionFeature.objects.filter(institution=locked).exclude(
            feature_id__in=wanted
        ).update(is_enabled=False)
        InstitutionFeature.objects.filter(
            institution=locked, feature_id__in=wanted
        ).update(is_enabled=True)
        InstitutionFeature.objects.bulk_create(
            InstitutionFeature(institution=locked, feature=feature)
            for fid, feature in wanted.items()
            if fid not in rows
        )
        codes = dict(Feature.objects.values_list("pk", "code"))
        audit_record(
            actor=actor,
            action=AuditLog.Action.INSTITUTION_FEATURES_CHANGED,
            target=locked,
            institution=locked,
            ip_address=ip_address,
            details={
                "added": sorted(codes[f] for f in set(wanted) - had),
                "removed": sorted(codes[f] for f in had - set(wanted)),
            },
        )
    return sorted(f.code for f in wanted.values())


def admin_membership_add(
    *, user: User, institution: Institution, is_senior: bool, created_by
) -> InstitutionAdmin:
    """Write the admin row and make the account staff (inside the caller's
    transaction; no checks, no audit: accepting an admin invitation does those)."""
    membership = InstitutionAdmin.objects.create(
        user=user, institution=institution, is_senior=is_senior, created_by=created_by
    )
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership


# --- Helpers ------------------------------------------------------------------------


def _clean_institution_fields(
    *, name, contact_email, timezone, max_residents, max_admins
) -> dict:
    errors: dict[str, list[str]] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = ["Give the institution a name."]
    elif len(name) > 200:
        errors["name"] = ["The name is at most 200 characters."]
    contact_email = (contact_email or "").strip().lower()
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError:
            errors["contact_email"] = [
                f"'{contact_email}' is not a valid e-mail address."
            ]
    timezone = (timezone or "UTC").strip()
    if timezone not in available_timezones():
        errors["timezone"] = [
            f"'{timezone}' is not a time zone, e.g. America/New_York."
        ]
    seats = {}
    for key, value in (("max_residents", max_residents), ("max_admins", max_admins)):
        try:
            seats[key] = int(value)
            if not 1 <= seats[key] <= 100_000:
                raise ValueError
        except (TypeError, ValueError):
            errors[key] = ["A whole number from 1 to 100000."]
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "contact_email": contact_email,
        "timezone": timezone,
        **seats,
    }


def _duplicate(name: str) -> ConflictError:
    return ConflictError(f"Institution with name '{name}' already exists")


def _refuse_duplicate_name(name: str, exclude: int | None = None) -> None:
    clash = Institution.objects.filter(name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise _duplicate(name)


def _free_slug(name: str) -> str:
    base = slugify(name)[:180] or "institution"
    slug, n = base, 2
    while Institution.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _refuse_seats_below_use(institution: Institution, changed: dict) -> None:
    if "max_residents" in changed:
        active, pending = resident_seats_used(institution=institution)
        if changed["max_residents"] < active + pending:
            raise ValidationError(
                {
                    "max_residents": [
                        f"{active + pending} resident seats are in use "
                        f"({active} active, {pending} invited); free some first."
                    ]
                }
            )
    if "max_admins" in changed:
        admins, pending = admin_seats_used(institution=institution)
        if changed["max_admins"] < admins + pending:
            raise ValidationError(
                {"max_admins": [f"{admins + pending} admin seats are in use."]}
            )


def _features(codes: Iterable[str]) -> list[Feature]:
    codes = sorted(set(codes))
    found = list(Feature.objects.filter(code__in=codes))
    missing = set(codes) - {f.code for f in found}
    if missing:
        raise ValidationError(
            {"features": [f"Unknown feature: {code}." for code in sorted(missing)]}
        )
    return found


MAX_VOCABULARY_TERMS = 100  # Deepgram's keyterm limit


def institution_recordings_set(
    *,
    actor,
    institution: Institution,
    recording_retention_days=None,
    vocabulary=None,
    ip_address: str | None = None,
) -> Institution:
    """What the institution decides about its recordings (its senior admins, or a
    superadmin): how many days uploaded audio is kept (0-365; 0 deletes it once
    transcribed) and the clinical vocabulary its speech recognition listens for
    (one term per line). Writes INSTITUTION_RECORDINGS_CHANGED (never the terms)."""
    require_institution_admin(
        actor, institution, senior=True, to="change how recordings are kept"
    )
    changes: dict = {}
    errors: dict[str, list[str]] = {}
    if recording_retention_days is not None:
        try:
            days = int(recording_retention_days)
            if not 0 <= days <= 365:
                raise ValueError
            changes["recording_retention_days"] = days
        except (TypeError, ValueError):
            errors["recording_retention_days"] = [
                "A whole number of days from 0 (delete once transcribed) to 365."
            ]
    if vocabulary is not None:
        terms = vocabulary_terms(str(vocabulary))
        if len(terms) > MAX_VOCABULARY_TERMS:
            errors["vocabulary"] = [
                f"At most {MAX_VOCABULARY_TERMS} terms ({len(terms)} given)."
            ]
        elif any(len(term) > 60 for term in terms):
            errors["vocabulary"] = ["One term per line, each at most 60 characters."]
        changes["vocabulary"] = "\n".join(terms)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = institution_lock(institution)
        changed = {f: v for f, v in changes.items() if getattr(locked, f) != v}
        if not changed:
            return locked
        before = {f: getattr(locked, f) for f in changed}
        for name, value in changed.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*changed, "updated_at"])
        details: dict = {}
        if "recording_retention_days" in changed:
            details["recording_retention_days"] = [
                before["recording_retention_days"],
                changed["recording_retention_days"],
            ]
        if "vocabulary" in changed:
            details["vocabulary_terms"] = len(vocabulary_terms(changed["vocabulary"]))
        audit_record(
            actor=actor,
            action=AuditLog.Action.INSTITUTION_RECORDINGS_CHANGED,
            target=locked,
            institution=locked,
            ip_address=ip_address,
            details=details,
        )
    return locked
