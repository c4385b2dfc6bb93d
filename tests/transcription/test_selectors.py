"""Usage figures of transcription for the institution's panel."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.transcription.factories import SessionFactory
from transcription.selectors import transcription_minutes_by_month

pytestmark = pytest.mark.django_db


def test_minutes_are_summed_per_month_for_one_institution_only(
    resident, riverside_resident, demo_hospital, riverside
):
    now = timezone.now()
    this_month = now.date().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    SessionFactory(owner=resident, institution=demo_hospital, audio_seconds=90)
    SessionFactory(owner=resident, institution=demo_hospital, audio_seconds=30)
    SessionFactory(
        owner=resident,
        institution=demo_hospital,
        audio_seconds=600,
        started_at=dt.datetime.combine(last_month, dt.time(12), tzinfo=dt.UTC),
    )
    SessionFactory(
        owner=resident,
        institution=demo_hospital,
        audio_seconds=6000,
        started_at=now - dt.timedelta(days=400),  # outside the window
    )
    SessionFactory(owner=riverside_resident, institution=riverside, audio_seconds=999)
    figures = transcription_minutes_by_month(institution=demo_hospital, months=6)
    assert figures == {last_month: 10.0, this_month: 2.0}


def test_no_sessions_means_no_months(demo_hospital, django_assert_num_queries):
    with django_assert_num_queries(1):  # 1. the monthly aggregate
        assert transcription_minutes_by_month(institution=demo_hospital) == {}
