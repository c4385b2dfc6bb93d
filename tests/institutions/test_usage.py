"""Usage of an institution: seats, admins, invitations, residents by status and PGY."""

import datetime as dt

import pytest
from django.utils import timezone

from institutions.selectors import institution_usage
from tests.factories import InvitationFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def test_usage_counts_what_a_coordinator_needs(
    demo_hospital,
    riverside_resident,
    admin,
    admin2,
    resident,
    resident2,
    django_assert_max_num_queries,
):
    ResidentFactory(institution=demo_hospital, pgy_level=2, status="graduated")
    ResidentFactory(institution=demo_hospital, pgy_level=5, status="inactive")
    InvitationFactory(institution=demo_hospital)
    InvitationFactory(institution=demo_hospital, role="faculty")
    InvitationFactory(
        institution=demo_hospital, expires_at=timezone.now() - dt.timedelta(days=1)
    )
    # residents by status and PGY; pending invitations by role; admins;
    # minutes by month (transcription); notes by month (notes)
    with django_assert_max_num_queries(5):
        usage = institution_usage(institution=demo_hospital)
    assert (usage.seats_used, usage.seats_limit, usage.seats_free) == (3, 50, 47)
    assert usage.active_residents == 2
    assert usage.pending_resident_invitations == 1
    assert usage.pending_invitations == 2
    assert (usage.admins, usage.admins_limit) == (2, 5)
    assert usage.residents_by_status == {"active": 2, "inactive": 1, "graduated": 1}
    assert usage.residents_by_pgy == {1: 1, 2: 1}
    assert usage.transcription_minutes_this_month == 0
    assert usage.notes_this_month == 0
    assert len(usage.months) == 6
    assert usage.months[-1].month == timezone.now().date().replace(day=1)
