"""The standing cast, user_institution, and the feature catalogue."""

import pytest
from django.core.management import call_command
from django.http import HttpRequest

from institutions.models import Feature
from institutions.selectors import user_institution

pytestmark = pytest.mark.django_db

FOUR = {"live_transcription", "note_generation", "custom_templates", "note_export"}


def test_the_migration_seeds_the_four_features():
    assert set(Feature.objects.values_list("code", flat=True)) == FOUR


def test_seed_features_is_idempotent(capsys):
    Feature.objects.filter(code="note_export").delete()
    call_command("seed_features")
    assert "1 created" in capsys.readouterr().out
    call_command("seed_features")
    assert "0 created" in capsys.readouterr().out
    assert set(Feature.objects.values_list("code", flat=True)) == FOUR


def test_user_institution_names_the_tenant_of_each_role(
    admin,
    attending,
    resident,
    riverside_resident,
    physician,
    superadmin,
    demo_hospital,
    riverside,
    django_assert_num_queries,
):
    with django_assert_num_queries(1):  # the institution whose id a profile names
        assert user_institution(user=admin) == demo_hospital
    assert user_institution(user=attending) == demo_hospital
    assert user_institution(user=resident) == demo_hospital
    assert user_institution(user=riverside_resident) == riverside
    assert user_institution(user=physician) is None
    assert user_institution(user=superadmin) is None


def test_the_cast_signs_in_with_the_password(client, admin, resident, password):
    assert client.login(request=HttpRequest(), username="admin", password=password)
    assert admin.is_staff and not admin.is_superuser
    assert admin.institution_admin.is_senior
    assert resident.resident_profile.pgy_level == 2
