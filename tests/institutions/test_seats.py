"""Seats: every service that fills a resident or admin seat asks `seat_require`, so
each of them refuses the last seat with the one rule's own words."""

import datetime as dt

import pytest
from django.utils import timezone

from institutions.models import Institution, ResidentProfile
from institutions.services.invitation_batch import invitation_batch_invite
from institutions.services.invitations import invitation_create, invitation_resend
from institutions.services.residents import resident_reactivate
from institutions.services.seats import seat_require
from noumaris.common.errors import ConflictError
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db


def _full(institution, role: str) -> str:
    """Fill every seat of `role` and return seat_require's refusal."""
    Institution.objects.filter(pk=institution.pk).update(max_residents=1, max_admins=1)
    institution.refresh_from_db()
    if role == "resident":
        ResidentProfile.objects.filter(institution=institution).update(
            status="inactive"
        )
        InvitationFactory(institution=institution, role="resident")
    with pytest.raises(ConflictError) as refused:
        seat_require(institution=institution, role=role)
    return refused.value.message


def test_faculty_use_no_seat(demo_hospital):
    _full(demo_hospital, "resident")
    seat_require(institution=demo_hospital, role="faculty")


def test_inviting_a_resident_or_an_admin(admin, demo_hospital):
    for role, extra in (("resident", {"pgy_level": 1}), ("admin", {})):
        message = _full(demo_hospital, role)
        with pytest.raises(ConflictError) as refused:
            invitation_create(
                actor=admin,
                institution=demo_hospital,
                email=f"new-{role}@example.org",
                role=role,
                **extra,
            )
        assert refused.value.message == message


def test_a_csv_row(admin, demo_hospital):
    message = _full(demo_hospital, "resident")
    result = invitation_batch_invite(
        actor=admin, institution=demo_hospital, csv_text="june@example.org,1\n"
    )
    assert [row.error for row in result.rows] == [message]


def test_resending_an_expired_invitation(admin, demo_hospital):
    expired = InvitationFactory(
        institution=demo_hospital, expires_at=timezone.now() - dt.timedelta(days=1)
    )
    message = _full(demo_hospital, "resident")
    with pytest.raises(ConflictError) as refused:
        invitation_resend(actor=admin, invitation=expired)
    assert refused.value.message == message


def test_reactivating_a_resident(admin, resident, demo_hospital):
    message = _full(demo_hospital, "resident")
    with pytest.raises(ConflictError) as refused:
        resident_reactivate(actor=admin, resident=resident.resident_profile)
    assert refused.value.message == message
