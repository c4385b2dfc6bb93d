"""check_feature: DESIGN 'Roles', one rule with a human reason for every denial."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from institutions.models import (
    Feature,
    FeatureGrant,
    Institution,
    InstitutionFeature,
    ResidentProfile,
)
from institutions.services.permissions import (
    FeatureAccess,
    check_feature,
    check_features,
    require_feature,
)
from noumaris.common.errors import ForbiddenError

pytestmark = pytest.mark.django_db

LIVE = "live_transcription"


def test_a_granted_active_resident_is_allowed(resident):
    access = check_feature(resident, LIVE)
    assert access == FeatureAccess(True)
    assert access
    assert access.reason == ""


def test_a_resident_without_a_grant_is_told_to_ask_their_admin(resident2):
    access = check_feature(resident2, LIVE)
    assert not access
    assert access.reason == (
        "Live transcription has not been granted to you; "
        "ask your program administrator."
    )


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("suspended", "suspended"),
        ("past_due", "past due"),
        ("cancelled", "cancelled"),
    ],
)
def test_a_resident_is_denied_while_the_subscription_does_not_allow(
    resident, demo_hospital, status, words
):
    Institution.objects.filter(pk=demo_hospital.pk).update(subscription_status=status)
    access = check_feature(resident, LIVE)
    assert not access
    assert access.reason == f"Your institution's subscription is {words}."


def test_a_resident_on_trial_is_allowed(resident, demo_hospital):
    Institution.objects.filter(pk=demo_hospital.pk).update(subscription_status="trial")
    assert check_feature(resident, LIVE)


def test_a_resident_is_denied_a_feature_the_institution_lacks(resident, demo_hospital):
    InstitutionFeature.objects.filter(
        institution=demo_hospital, feature__code=LIVE
    ).update(is_enabled=False)
    access = check_feature(resident, LIVE)
    assert access.reason == "Demo General Hospital does not include Live transcription."


def test_an_inactive_resident_is_denied(resident):
    ResidentProfile.objects.filter(user=resident).update(status="inactive")
    access = check_feature(resident, LIVE)
    assert not access
    assert "inactive" in access.reason


def test_a_graduated_resident_is_denied(resident):
    ResidentProfile.objects.filter(user=resident).update(status="graduated")
    assert check_feature(resident, LIVE).reason == (
        "You have graduated from Demo General Hospital; your access has ended."
    )


def test_a_revoked_grant_denies(resident, admin):
    FeatureGrant.objects.filter(user=resident, feature__code=LIVE).update(
        revoked_at=timezone.now(), revoked_by=admin
    )
    assert not check_feature(resident, LIVE)
    assert check_feature(resident, "note_generation")


def test_a_physician_uses_only_direct_grants(physician):
    assert check_feature(physician, LIVE)
    assert check_feature(physician, "note_generation")
    access = check_feature(physician, "note_export")
    assert access.reason == (
        "Note export has not been granted to your account; contact Noumaris."
    )


def test_a_superadmin_runs_the_platform_and_uses_no_clinical_feature(superadmin):
    for feature, access in check_features(superadmin):
        assert not access, feature.code
        assert access.reason == (
            "Superadmins run the platform; recording, drafting and reading "
            "patients' encounters is for the clinicians of an institution."
        )


@pytest.mark.parametrize("who", ["admin", "attending", "alice"])
def test_admins_faculty_and_others_are_denied(request, who):
    user = request.getfixturevalue(who)
    access = check_feature(user, LIVE)
    assert access.reason == (
        "Live transcription is available to residents and physicians only."
    )


def test_anonymous_and_disabled_users_are_denied(resident):
    assert check_feature(AnonymousUser(), LIVE).reason == "Sign in to use this feature."
    resident.is_active = False
    assert check_feature(resident, LIVE).reason == "Your account is disabled."


def test_an_unknown_feature_is_named(resident):
    assert check_feature(resident, "teleportation").reason == (
        "There is no feature called 'teleportation'."
    )


def test_a_feature_switched_off_everywhere_is_denied(resident):
    Feature.objects.filter(code=LIVE).update(is_active=False)
    assert "switched off" in check_feature(resident, LIVE).reason


def test_check_feature_costs_one_query(resident, physician, django_assert_num_queries):
    with django_assert_num_queries(1):  # the feature with every fact annotated
        check_feature(resident, LIVE)
    with django_assert_num_queries(1):
        check_feature(physician, "note_export")


def test_require_feature_raises_forbidden_with_the_reason(resident, resident2):
    require_feature(user=resident, code=LIVE)
    with pytest.raises(ForbiddenError) as denied:
        require_feature(user=resident2, code=LIVE)
    assert denied.value.message.startswith("Live transcription has not been granted")


@pytest.mark.parametrize(
    "who",
    ["resident", "resident2", "physician", "admin", "attending", "superadmin", "alice"],
)
def test_check_features_answers_as_check_feature_for_each_feature_in_one_query(
    request, who, django_assert_num_queries
):
    user = request.getfixturevalue(who)
    ResidentProfile.objects.filter(user__username="resident2").update(
        status=ResidentProfile.Status.INACTIVE
    )
    Feature.objects.filter(code="note_export").update(is_active=False)
    user.refresh_from_db()
    one_by_one = {
        feature.code: check_feature(user, feature.code)
        for feature in Feature.objects.all()
    }
    with django_assert_num_queries(1):
        together = check_features(user)
    assert [feature.code for feature, _ in together] == sorted(one_by_one)
    assert {feature.code: access for feature, access in together} == one_by_one
