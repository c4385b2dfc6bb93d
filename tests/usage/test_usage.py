"""Usage of an institution: seats, admins, invitations, residents by status and PGY."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from institutions.models import Institution
from institutions.months import month_window
from templates_app.models import ClinicalNote
from templates_app.selectors import notes_by_month
from tests.factories import InvitationFactory, ResidentFactory
from tests.transcription.factories import SessionFactory
from transcription.models import TranscriptionSession
from transcription.selectors import transcription_minutes_by_month
from usage.selectors import institution_usage

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


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_every_figure_counts_by_the_institutions_month(zone, demo_hospital, resident):
    """An encounter minutes from a month's edge where the hospital is (UTC+14, or
    UTC-11) falls in another UTC month: every figure counts it in the local month."""
    Institution.objects.filter(pk=demo_hospital.pk).update(timezone=zone)
    demo_hospital.refresh_from_db()
    local_now = timezone.now().astimezone(ZoneInfo(zone))
    if local_now.day == 1 and local_now.hour == 0 and local_now.minute < 10:
        pytest.skip("too close to midnight on the first of the month")
    first_minutes = local_now.replace(day=1, hour=0, minute=5, second=0)
    if zone == "Pacific/Pago_Pago":  # the last local minutes of last month
        first_minutes = first_minutes - dt.timedelta(minutes=10)
    assert first_minutes.astimezone(dt.UTC).month != first_minutes.month
    session = SessionFactory(
        owner=resident, institution=demo_hospital, audio_seconds=600
    )
    TranscriptionSession.objects.filter(pk=session.pk).update(started_at=first_minutes)
    note = ClinicalNote.objects.create(
        session=session, author=resident, institution=demo_hospital
    )
    ClinicalNote.objects.filter(pk=note.pk).update(created_at=first_minutes)
    local_month = first_minutes.date().replace(day=1)
    window = month_window(institution=demo_hospital, months=6)
    assert local_month in window.starts
    assert transcription_minutes_by_month(institution=demo_hospital) == {
        local_month: 10.0
    }
    assert notes_by_month(institution=demo_hospital) == {local_month: 1}
    usage = institution_usage(institution=demo_hospital)
    [counted] = [m for m in usage.months if m.month == local_month]
    assert (counted.transcription_minutes, counted.notes) == (10.0, 1)
