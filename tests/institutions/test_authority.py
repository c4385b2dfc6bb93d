"""One answer to "is this an institution admin" (an active account with an admin
row), and one PGY and specialty rule, asked by every service and interface."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from institutions.admin.base import is_institution_admin
from institutions.api.permissions import IsInstitutionAdmin
from institutions.selectors import residents_for_user
from institutions.services.authority import admin_membership
from institutions.services.invitations import resident_invite
from institutions.services.residents import resident_deactivate, resident_update
from noumaris.common.errors import NotFoundError

pytestmark = pytest.mark.django_db


def test_a_deactivated_admin_is_no_admin_anywhere(rf, admin, resident):
    assert admin_membership(admin) is not None
    admin.is_active = False
    admin.save(update_fields=["is_active"])
    assert admin_membership(admin) is None
    request = rf.get("/")
    request.user = admin
    assert not is_institution_admin(request)
    assert not IsInstitutionAdmin().has_permission(request, None)
    assert not residents_for_user(admin).exists()
    with pytest.raises(NotFoundError):
        resident_deactivate(actor=admin, resident=resident.resident_profile)
    api = APIClient()
    api.force_authenticate(admin)
    assert api.get("/api/v1/admin/institution/residents").status_code == 403


@pytest.mark.parametrize(
    ("field", "value"),
    [("pgy_level", 11), ("pgy_level", "x"), ("specialty", "x" * 121)],
)
def test_inviting_and_updating_say_the_same_about_pgy_and_specialty(
    admin, demo_hospital, resident, field, value
):
    fields = {"pgy_level": 1, "specialty": "", field: value}
    with pytest.raises(ValidationError) as invited:
        resident_invite(
            actor=admin, institution=demo_hospital, email="new@example.org", **fields
        )
    with pytest.raises(ValidationError) as updated:
        resident_update(
            actor=admin, resident=resident.resident_profile, **{field: value}
        )
    assert invited.value.message_dict == updated.value.message_dict
