"""`manage.py seed_demo`: the demo users of DESIGN 'Demo data' (idempotent, debug only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from institutions.models import (
    FacultyProfile,
    Feature,
    FeatureGrant,
    Institution,
    InstitutionAdmin,
    InstitutionFeature,
    PhysicianProfile,
    ResidentProfile,
)
from institutions.services.features import feature_seed
from institutions.services.supervision import supervision_policy_save

DEMO_PASSWORD = "noumaris-demo"  # noqa: S105 - documented demo credential, debug only

INSTITUTIONS = {
    "demo-general-hospital": {
        "name": "Demo General Hospital",
        "contact_email": "gme@demo-general.example.org",
        "timezone": "America/New_York",
    },
    "riverside-medical-center": {
        "name": "Riverside Medical Center",
        "contact_email": "residency@riverside.example.org",
        "timezone": "America/Chicago",
    },
}

# username: (first name, last name, role, institution slug, options)
PEOPLE = {
    "superadmin": ("Sam", "Super", "superadmin", None, {}),
    "admin": ("Ada", "Admin", "admin", "demo-general-hospital", {"is_senior": True}),
    "admin2": ("Abe", "Second", "admin", "demo-general-hospital", {"is_senior": False}),
    "attending": ("Alan", "Attending", "faculty", "demo-general-hospital", {}),
    "resident": (
        "Rosa",
        "Resident",
        "resident",
        "demo-general-hospital",
        {"pgy_level": 2, "grants": Feature.Code.values},
    ),
    "resident2": (
        "Ray",
        "Second",
        "resident",
        "demo-general-hospital",
        {"pgy_level": 1, "grants": ()},
    ),
    "riverside-admin": (
        "Rita",
        "Rivers",
        "admin",
        "riverside-medical-center",
        {"is_senior": True},
    ),
    "riverside-resident": (
        "Rory",
        "Rivers",
        "resident",
        "riverside-medical-center",
        {"pgy_level": 3, "grants": Feature.Code.values},
    ),
    "physician": (
        "Phil",
        "Physician",
        "physician",
        None,
        {"grants": (Feature.Code.LIVE_TRANSCRIPTION, Feature.Code.NOTE_GENERATION)},
    ),
}


class Command(BaseCommand):
    help = "Create the demo institutions and users of DESIGN 'Demo data' (idempotent; debug only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates known passwords: it runs only with DJANGO_DEBUG=1."
            )
        with transaction.atomic():
            feature_seed()
            features = {f.code: f for f in Feature.objects.all()}
            institutions = {
                slug: _institution(slug, values, features)
                for slug, values in INSTITUTIONS.items()
            }
            users = {}
            for username, (first, last, role, slug, options) in PEOPLE.items():
                user = users[username] = _user(username, first, last, role)
                _role(user, role, institutions.get(slug), options, features)
            _teaching(institutions["demo-general-hospital"], users)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))


def _teaching(institution, users) -> None:
    """Demo General's supervision policy (its notes: `seed_teaching_demo`)."""
    supervision_policy_save(
        actor=users["superadmin"],
        institution=institution,
        ai_drafting_min_pgy=1,
        cosign_deadline_hours=24,
        pgy1_cosign_before_export=True,
    )


def _institution(slug, values, features) -> Institution:
    institution, _ = Institution.objects.update_or_create(
        slug=slug,
        defaults={
            **values,
            "subscription_status": Institution.SubscriptionStatus.ACTIVE,
            "max_residents": 50,
            "max_admins": 5,
        },
    )
    for feature in features.values():
        InstitutionFeature.objects.update_or_create(
            institution=institution, feature=feature, defaults={"is_enabled": True}
        )
    return institution


def _user(username, first, last, role) -> User:
    user, _ = User.objects.update_or_create(
        username=username,
        defaults={
            "email": f"{username}@noumaris.local",
            "first_name": first,
            "last_name": last,
            "is_active": True,
            "is_superadmin": role == "superadmin",
            "is_superuser": role == "superadmin",
            "is_staff": role in ("superadmin", "admin"),
        },
    )
    if not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _role(user, role, institution, options, features) -> None:
    if role == "admin":
        InstitutionAdmin.objects.update_or_create(
            user=user,
            defaults={"institution": institution, "is_senior": options["is_senior"]},
        )
    elif role == "faculty":
        FacultyProfile.objects.update_or_create(
            user=user,
            defaults={"institution": institution, "specialty": "Internal Medicine"},
        )
    elif role == "resident":
        ResidentProfile.objects.update_or_create(
            user=user,
            defaults={
                "institution": institution,
                "pgy_level": options["pgy_level"],
                "specialty": "Internal Medicine",
                "status": ResidentProfile.Status.ACTIVE,
            },
        )
    elif role == "physician":
        PhysicianProfile.objects.update_or_create(
            user=user, defaults={"specialty": "Family Medicine"}
        )
    if "grants" in options:
        _grants(user, institution, [features[c] for c in options["grants"]])


def _grants(user, institution, wanted) -> None:
    """Exactly the wanted features are granted (active), the rest are not."""
    active = FeatureGrant.objects.filter(user=user, revoked_at__isnull=True)
    active.exclude(feature__in=wanted).update(revoked_at=timezone.now())
    have = set(active.values_list("feature_id", flat=True))
    for feature in wanted:
        if feature.pk not in have:
            FeatureGrant.objects.create(
                user=user, feature=feature, institution=institution
            )
