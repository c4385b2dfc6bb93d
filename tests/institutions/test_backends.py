"""A session's user comes with their admin row (institutions/backends.py): the admin
routes' membership check costs no query of its own, whichever backend signed them in."""

import pytest
from django.contrib.auth import get_user_model

from institutions.backends import InstitutionsModelBackend
from institutions.models import InstitutionAdmin
from institutions.oidc import InstitutionsOIDCBackend
from institutions.services.authority import admin_membership

BACKENDS = [InstitutionsModelBackend, InstitutionsOIDCBackend]


@pytest.fixture(autouse=True)
def _provider_keys(settings):
    """The OIDC backend is made only where the provider's keys are configured; it
    fetches none to load a session's user."""
    settings.OIDC_OP_JWKS_ENDPOINT = "https://provider.invalid/certs"


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_admin_is_loaded_with_their_membership(
    backend, admin, demo_hospital, django_assert_num_queries
):
    with django_assert_num_queries(1):  # the user, their admin row joined
        user = backend().get_user(admin.pk)
        membership = admin_membership(user)
    assert user == admin
    assert membership.institution_id == demo_hospital.pk and membership.is_senior


@pytest.mark.parametrize("backend", BACKENDS)
def test_anyone_else_is_known_to_be_no_admin_without_a_query(
    backend, resident, physician, django_assert_num_queries
):
    for person in (resident, physician):
        with django_assert_num_queries(1):  # the user, no admin row to join
            user = backend().get_user(person.pk)
            assert admin_membership(user) is None
            with pytest.raises(InstitutionAdmin.DoesNotExist):
                user.institution_admin  # noqa: B018 - the access is the test
        assert user == person


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_missing_user_is_none(backend, db):
    assert backend().get_user(get_user_model().objects.count() + 999) is None


def test_a_deactivated_user_is_signed_out_as_by_djangos_backend(admin):
    admin.is_active = False
    admin.save(update_fields=["is_active"])
    assert InstitutionsModelBackend().get_user(admin.pk) is None
