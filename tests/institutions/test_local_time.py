"""Pages show times in the institution's zone (a physician's: the browser's)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from institutions.models import Institution
from templates_app.library import template_seed_global
from templates_app.notes.services import note_create
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
    assert "15 Jan 2026, 10:00 EST" in text
    assert "15 Jan 2026, 15:00" not in text


def test_a_new_institution_zone_shows_within_the_check_interval(
    client, resident, demo_hospital
):
    from institutions import middleware

    Institution.objects.filter(pk=demo_hospital.pk).update(timezone="UTC")
    _encounter(resident, demo_hospital)
    client.force_login(resident)
    assert "15 Jan 2026, 15:00 UTC" in client.get("/").content.decode()
    Institution.objects.filter(pk=demo_hospital.pk).update(timezone="Asia/Tokyo")
    from django.core.cache import cache

    cache.delete(middleware.viewer_cache_key(resident.pk))  # CHECK_EVERY later
    assert "16 Jan 2026, 00:00 JST" in client.get("/").content.decode()


def test_a_physician_sees_the_browsers_zone(client, physician):
    _encounter(physician)
    client.force_login(physician)
    client.cookies["tz"] = "America/Los_Angeles"
    assert "15 Jan 2026, 07:00 PST" in client.get("/").content.decode()
    client.cookies["tz"] = "Not/AZone"
    assert "15 Jan 2026, 15:00 UTC" in client.get("/").content.decode()


def test_every_time_a_person_reads_has_one_format_in_the_institutions_zone(
    resident, attending, admin, demo_hospital
):
    """The note page, the print view (header and attestation line), the text export
    and the invitation e-mail: "15 Jan 2026, 10:00 EST", never UTC beside EST."""
    from django.test import Client

    from institutions.emails import invitation_email
    from institutions.services.invitations import resident_invite
    from templates_app.models import ClinicalNote
    from templates_app.seed_data import SOAP
    from tests.templates_app.supervision_helpers import api_for, cosigned

    Institution.objects.filter(pk=demo_hospital.pk).update(timezone="America/New_York")
    from tests.templates_app.conftest import record_encounter

    session = record_encounter(resident)
    TranscriptionSession.objects.filter(pk=session.pk).update(started_at=AT)
    note = note_create(
        user=resident,
        session_id=session.pk,
        template_id=template_seed_global(spec=SOAP)[0].pk,
    )
    cosigned(note, resident, attending)
    ClinicalNote.objects.filter(pk=note.pk).update(signed_at=AT, cosigned_at=AT)
    expected = "15 Jan 2026, 10:00 EST"
    client = Client()
    client.force_login(resident)
    page = client.get(f"/notes/{note.pk}").content.decode()
    assert expected in page and "15:00" not in page
    printed = client.get(f"/notes/{note.pk}/print").content.decode()
    assert printed.count(expected) == 4  # signed, co-signed, encounter, attestation
    assert "UTC" not in printed
    text = api_for(resident).get(f"/api/v1/notes/{note.pk}/export?format=text")
    body = text.content.decode()
    assert f"Signed by Rosa Resident on {expected}." in body
    assert body.count(expected) == 3 and "UTC" not in body
    api = api_for(resident).get(f"/api/v1/notes/{note.pk}").json()
    assert api["signed_at"] == "2026-01-15T15:00:00Z" or api["signed_at"].endswith(
        ("+00:00", "Z")
    )  # the API: ISO 8601 with its offset

    invitation = resident_invite(
        actor=admin, institution=demo_hospital, email="n@example.org", pgy_level=1
    )
    local = timezone.localtime(invitation.expires_at, ZoneInfo("America/New_York"))
    body = invitation_email(invitation=invitation, token="t").body
    assert f"expires on {local:%-d %b %Y, %H:%M} E" in body  # EST or EDT
