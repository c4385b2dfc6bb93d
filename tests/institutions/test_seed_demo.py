"""seed_demo: DESIGN 'Demo data', idempotent, refused outside debug."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from institutions.models import (
    FacultyProfile,
    FeatureGrant,
    Institution,
    InstitutionAdmin,
    InstitutionFeature,
    PhysicianProfile,
    ResidentProfile,
)
from institutions.services.permissions import check_feature

pytestmark = pytest.mark.django_db

MODELS = (
    User,
    Institution,
    InstitutionAdmin,
    InstitutionFeature,
    FacultyProfile,
    ResidentProfile,
    PhysicianProfile,
    FeatureGrant,
)


def _snapshot():
    return {
        model.__name__: sorted(
            tuple(sorted((k, str(v)) for k, v in row.items() if k not in _VOLATILE))
            for row in model.objects.values()
        )
        for model in MODELS
    }


_VOLATILE = {"created_at", "updated_at", "last_login", "date_joined", "password"}


def test_seed_demo_twice_gives_the_same_data(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    first = _snapshot()
    call_command("seed_demo")
    assert _snapshot() == first
    assert first["User"] and len(first["User"]) == 9


def test_the_demo_users_are_who_design_says(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    users = {u.username: u for u in User.objects.all()}
    assert all(u.check_password("noumaris-demo") for u in users.values())
    assert users["superadmin"].is_superadmin
    demo = Institution.objects.get(name="Demo General Hospital")
    riverside = Institution.objects.get(name="Riverside Medical Center")
    assert users["admin"].institution_admin.is_senior
    assert users["admin"].institution_admin.institution == demo
    assert not users["admin2"].institution_admin.is_senior
    assert users["admin"].is_staff and not users["admin"].is_superuser
    assert users["attending"].faculty_profile.institution == demo
    assert users["resident"].resident_profile.pgy_level == 2
    assert users["resident2"].resident_profile.pgy_level == 1
    assert users["riverside-admin"].institution_admin.institution == riverside
    assert users["riverside-resident"].resident_profile.pgy_level == 3
    for code in ("live_transcription", "note_generation", "custom_templates"):
        assert check_feature(users["resident"], code)
        assert check_feature(users["riverside-resident"], code)
        assert not check_feature(users["resident2"], code)
    assert check_feature(users["physician"], "note_generation")
    assert not check_feature(users["physician"], "note_export")


def test_seed_demo_is_refused_outside_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        call_command("seed_demo")
    assert not User.objects.exists()
