"""Pages show times in the institution's zone (a physician's: the browser's)."""

import datetime as dt

import pytest

from institutions.models import Institution
from transcription.models import TranscriptionSession

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 1, 15, 15, 0, tzinfo=dt.UTC)  # 10:00 in New York (EST)


def _encounter(owner, institution=None):
    from transcription.services.sessions import session_start

    session = session_start(user=owner, engine="offline", consent=True, label="Bed 9")
    TranscriptionSession.objects.filter(pk=session.pk).update(started_at=AT)
    return session


def test_a_residents_dashboard_shows_the_institutions_time(
    client, resident, demo_hospital
):
    Institution.objects.filter(pk=demo_hospital.pk).update(timezone="America/New_York")
    _encounter(resident, demo_hospital)
    client.force_login(resident)
    text = client.get("/").content.decode()
    assert "15 Jan, 10:00" in text
    assert "15 Jan, 15:00" not in text


def test_a_new_institution_zone_shows_within_the_check_interval(
    client, resident, demo_hospital
):
    from institutions import middleware

    Institution.objects.filter(pk=demo_hospital.pk).update(timezone="UTC")
    _encounter(resident, demo_hospital)
    client.force_login(resident)
    assert "15 Jan, 15:00" in client.get("/").content.decode()
    Institution.objects.filter(pk=demo_hospital.pk).update(timezone="Asia/Tokyo")
    from django.core.cache import cache

    cache.delete(middleware.viewer_cache_key(resident.pk))  # CHECK_EVERY later
    assert "16 Jan, 00:00" in client.get("/").content.decode()


def test_a_physician_sees_the_browsers_zone(client, physician):
    _encounter(physician)
    client.force_login(physician)
    client.cookies["tz"] = "America/Los_Angeles"
    assert "15 Jan, 07:00" in client.get("/").content.decode()
    client.cookies["tz"] = "Not/AZone"
    assert "15 Jan, 15:00" in client.get("/").content.decode()
