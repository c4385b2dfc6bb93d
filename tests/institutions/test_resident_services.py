"""Residents' lifecycle and feature grants: rules, refusals, one audit row each."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from accounts.models import AuditLog
from institutions.models import (
    FeatureGrant,
    Institution,
    InstitutionFeature,
    ResidentProfile,
)
from institutions.services.features import (
    feature_grant,
    feature_revoke,
    physician_create,
    physician_feature_grant,
    physician_feature_revoke,
)
from institutions.services.permissions import check_feature
from institutions.services.residents import (
    resident_change,
    resident_deactivate,
    resident_graduate,
    resident_reactivate,
    resident_update,
)
from noumaris.common.errors import ConflictError, ForbiddenError, NotFoundError
from tests.factories import InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _actions():
    return list(AuditLog.objects.order_by("id").values_list("action", flat=True))


@pytest.fixture
def rosa(resident):
    return resident.resident_profile


@pytest.fixture
def ray(resident2):
    return resident2.resident_profile


def test_graduating_keeps_the_record_and_ends_access(admin, rosa):
    resident_graduate(actor=admin, resident=rosa)
    rosa.refresh_from_db()
    assert rosa.status == "graduated" and rosa.status_changed_at
    assert not check_feature(rosa.user, "live_transcription")
    assert FeatureGrant.objects.filter(user=rosa.user).count() == 4  # nothing deleted
    [row] = AuditLog.objects.filter(action="RESIDENT_GRADUATED")
    assert row.details == {"username": "resident", "from": "active", "to": "graduated"}


def test_deactivate_then_reactivate(admin2, rosa):
    resident_deactivate(actor=admin2, resident=rosa)
    with pytest.raises(ConflictError, match="already inactive"):
        resident_deactivate(actor=admin2, resident=rosa)
    resident_reactivate(actor=admin2, resident=rosa)
    assert check_feature(rosa.user, "live_transcription")
    assert _actions() == ["RESIDENT_DEACTIVATED", "RESIDENT_REACTIVATED"]


def test_reactivating_needs_a_free_seat(admin, rosa, ray, demo_hospital):
    resident_graduate(actor=admin, resident=rosa)
    Institution.objects.filter(pk=demo_hospital.pk).update(max_residents=2)
    InvitationFactory(institution=demo_hospital)
    with pytest.raises(ConflictError, match="No resident seat left"):
        resident_reactivate(actor=admin, resident=rosa)
    rosa.refresh_from_db()
    assert rosa.status == "graduated"


def test_an_outsider_admin_cannot_touch_another_institutions_resident(
    riverside_admin, rosa
):
    for service in (resident_deactivate, resident_graduate, resident_reactivate):
        with pytest.raises(NotFoundError):
            service(actor=riverside_admin, resident=rosa)
    with pytest.raises(NotFoundError):
        feature_revoke(actor=riverside_admin, resident=rosa, code="live_transcription")
    assert not _actions()


def test_resident_update_checks_pgy(admin, rosa):
    with pytest.raises(ValidationError):
        resident_update(actor=admin, resident=rosa, pgy_level=11)
    resident_update(actor=admin, resident=rosa, pgy_level=3, specialty="Cardiology")
    rosa.refresh_from_db()
    assert (rosa.pgy_level, rosa.specialty) == (3, "Cardiology")
    [row] = AuditLog.objects.filter(action="RESIDENT_UPDATED")
    assert row.details["changes"]["pgy_level"] == [2, 3]


def test_the_database_refuses_pgy_11(rosa):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ResidentProfile.objects.filter(pk=rosa.pk).update(pgy_level=11)


def test_grant_and_revoke_a_feature(admin, ray):
    grant = feature_grant(actor=admin, resident=ray, code="live_transcription")
    assert grant.granted_by == admin and grant.institution_id == ray.institution_id
    assert check_feature(ray.user, "live_transcription")
    with pytest.raises(ConflictError, match="already has Live transcription"):
        feature_grant(actor=admin, resident=ray, code="live_transcription")
    revoked = feature_revoke(actor=admin, resident=ray, code="live_transcription")
    assert revoked.pk == grant.pk and revoked.revoked_by == admin
    assert not check_feature(ray.user, "live_transcription")
    with pytest.raises(ConflictError, match="does not have"):
        feature_revoke(actor=admin, resident=ray, code="live_transcription")
    feature_grant(actor=admin, resident=ray, code="live_transcription")
    assert FeatureGrant.objects.filter(user=ray.user).count() == 2  # history kept
    assert _actions() == ["FEATURE_GRANTED", "FEATURE_REVOKED", "FEATURE_GRANTED"]


def test_only_features_the_institution_has_can_be_granted(admin, ray, demo_hospital):
    InstitutionFeature.objects.filter(
        institution=demo_hospital, feature__code="note_export"
    ).delete()
    with pytest.raises(ValidationError) as invalid:
        feature_grant(actor=admin, resident=ray, code="note_export")
    assert invalid.value.message_dict["feature"] == [
        "Demo General Hospital does not include Note export."
    ]
    with pytest.raises(ValidationError, match="no feature called"):
        feature_grant(actor=admin, resident=ray, code="teleportation")
    assert not _actions()


def test_superadmins_manage_physicians(superadmin, admin):
    person = UserFactory(username="dr-solo")
    with pytest.raises(ForbiddenError, match="Only superadmins can add physicians"):
        physician_create(actor=admin, user=person)
    physician = physician_create(actor=superadmin, user=person, specialty="GP")
    with pytest.raises(ForbiddenError):
        physician_feature_grant(actor=admin, physician=physician, code="note_export")
    physician_feature_grant(actor=superadmin, physician=physician, code="note_export")
    assert check_feature(person, "note_export")
    physician_feature_revoke(actor=superadmin, physician=physician, code="note_export")
    assert not check_feature(person, "note_export")
    assert _actions() == ["PHYSICIAN_CREATED", "FEATURE_GRANTED", "FEATURE_REVOKED"]


def test_a_change_of_pgy_and_status_is_all_or_nothing(admin, rosa, demo_hospital):
    resident_deactivate(actor=admin, resident=rosa)
    Institution.objects.filter(pk=demo_hospital.pk).update(max_residents=1)
    InvitationFactory(institution=demo_hospital)  # holds the only seat
    with pytest.raises(ConflictError, match="No resident seat left"):
        resident_change(actor=admin, resident=rosa, pgy_level=3, status="active")
    rosa.refresh_from_db()
    assert (rosa.pgy_level, rosa.status) == (2, "inactive")
    assert _actions() == ["RESIDENT_DEACTIVATED"]
    changed = resident_change(
        actor=admin, resident=rosa, pgy_level=3, status="graduated"
    )
    assert (changed.pgy_level, changed.status) == (3, "graduated")
    assert _actions()[1:] == ["RESIDENT_UPDATED", "RESIDENT_GRADUATED"]


def test_the_api_changes_a_resident_through_the_one_service(admin, rosa, demo_hospital):
    resident_deactivate(actor=admin, resident=rosa)
    Institution.objects.filter(pk=demo_hospital.pk).update(max_residents=1)
    InvitationFactory(institution=demo_hospital)
    api = APIClient()
    api.force_login(admin)
    url = f"/api/v1/admin/institution/residents/{rosa.pk}"
    response = api.patch(url, {"pgy_level": 4, "status": "active"}, format="json")
    assert response.status_code == 409
    rosa.refresh_from_db()
    assert rosa.pgy_level == 2  # the PGY change went back with the refused status
    response = api.patch(
        url, {"specialty": "Surgery", "status": "inactive"}, format="json"
    )
    assert response.status_code == 200  # already inactive: no status change
    assert response.json()["specialty"] == "Surgery"
