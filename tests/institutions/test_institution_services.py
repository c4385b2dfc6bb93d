"""Institutions, subscriptions, institution features and admins: rules and audit."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditLog
from institutions.models import Institution, InstitutionFeature
from institutions.services.institutions import (
    institution_create,
    institution_features_set,
    institution_subscription_change,
    institution_update,
)
from noumaris.common.errors import ConflictError, ForbiddenError
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db


def _audit(action):
    return list(AuditLog.objects.filter(action=action))


def test_a_superadmin_creates_an_institution_with_features(superadmin):
    institution = institution_create(
        actor=superadmin,
        name="  Test   Hospital ",
        contact_email="Programs@Test.example.org",
        timezone="America/Chicago",
        max_residents=20,
        feature_codes=["live_transcription", "note_generation"],
        ip_address="10.0.0.9",
    )
    assert institution.name == "Test Hospital"
    assert institution.slug == "test-hospital"
    assert institution.contact_email == "programs@test.example.org"
    assert institution.subscription_status == "trial"
    assert set(
        institution.institution_features.values_list("feature__code", flat=True)
    ) == {"live_transcription", "note_generation"}
    [row] = _audit("INSTITUTION_CREATED")
    assert row.institution == institution and row.ip_address == "10.0.0.9"
    assert row.details["features"] == ["live_transcription", "note_generation"]


def test_a_duplicate_name_in_any_case_is_a_conflict(superadmin):
    institution_create(actor=superadmin, name="Test Hospital")
    with pytest.raises(ConflictError) as conflict:
        institution_create(actor=superadmin, name="TEST hospital")
    assert (
        conflict.value.message == "Institution with name 'TEST hospital' already exists"
    )
    assert Institution.objects.count() == 1
    assert len(_audit("INSTITUTION_CREATED")) == 1


def test_bad_fields_are_named(superadmin):
    with pytest.raises(ValidationError) as invalid:
        institution_create(
            actor=superadmin,
            name="",
            contact_email="nope",
            timezone="Mars/Olympus",
            max_residents=0,
            feature_codes=["teleportation"],
        )
    assert set(invalid.value.message_dict) == {
        "name",
        "contact_email",
        "timezone",
        "max_residents",
    }
    assert not Institution.objects.exists()


def test_only_superadmins_create_institutions(admin):
    with pytest.raises(ForbiddenError, match="Only superadmins can create"):
        institution_create(actor=admin, name="Sneaky Hospital")


def test_update_records_the_changes(superadmin, demo_hospital, riverside):
    institution_update(
        actor=superadmin, institution=demo_hospital, max_residents=80, timezone="UTC"
    )
    [row] = _audit("INSTITUTION_UPDATED")
    assert row.details["changes"]["max_residents"] == [50, 80]
    with pytest.raises(ConflictError, match="already exists"):
        institution_update(
            actor=superadmin, institution=demo_hospital, name="riverside medical center"
        )
    institution_update(actor=superadmin, institution=demo_hospital, max_residents=80)
    assert len(_audit("INSTITUTION_UPDATED")) == 1  # nothing changed, nothing written


def test_seats_cannot_shrink_below_use(superadmin, demo_hospital, resident, resident2):
    InvitationFactory(institution=demo_hospital)
    with pytest.raises(ValidationError) as invalid:
        institution_update(actor=superadmin, institution=demo_hospital, max_residents=2)
    assert (
        "3 resident seats are in use" in invalid.value.message_dict["max_residents"][0]
    )
    institution_update(actor=superadmin, institution=demo_hospital, max_residents=3)


def test_subscription_change_is_audited_with_from_and_to(superadmin, demo_hospital):
    institution_subscription_change(
        actor=superadmin, institution=demo_hospital, status="suspended"
    )
    demo_hospital.refresh_from_db()
    assert demo_hospital.subscription_status == "suspended"
    [row] = _audit("SUBSCRIPTION_CHANGED")
    assert row.details == {"from": "active", "to": "suspended"}
    with pytest.raises(ValidationError):
        institution_subscription_change(
            actor=superadmin, institution=demo_hospital, status="free-forever"
        )


def test_admins_cannot_change_their_subscription(admin, demo_hospital):
    with pytest.raises(
        ForbiddenError, match="Only superadmins can change subscriptions"
    ):
        institution_subscription_change(
            actor=admin, institution=demo_hospital, status="active"
        )


def test_features_set_enables_and_disables(superadmin, demo_hospital):
    codes = institution_features_set(
        actor=superadmin,
        institution=demo_hospital,
        feature_codes=["live_transcription"],
    )
    assert codes == ["live_transcription"]
    enabled = InstitutionFeature.objects.filter(
        institution=demo_hospital, is_enabled=True
    ).values_list("feature__code", flat=True)
    assert list(enabled) == ["live_transcription"]
    [row] = _audit("INSTITUTION_FEATURES_CHANGED")
    assert row.details["removed"] == [
        "custom_templates",
        "note_export",
        "note_generation",
    ]
