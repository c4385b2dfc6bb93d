"""Encounter sessions in the Django admin: scoped, counts only, never text."""

import pytest

from tests.transcription.factories import session_with_segments

pytestmark = pytest.mark.django_db
URL = "/admin/transcription/transcriptionsession/"


def test_an_institution_admin_sees_their_institutions_sessions_without_text(
    client, admin, resident, riverside_resident
):
    mine = session_with_segments(resident, count=2, label="Ours")
    theirs = session_with_segments(riverside_resident, count=1)
    client.force_login(admin)
    body = client.get(URL).content.decode()
    assert f"{URL}{mine.pk}/change/" in body
    assert f"{URL}{theirs.pk}/change/" not in body
    detail = client.get(f"{URL}{mine.pk}/change/").content.decode()
    for segment in mine.segments.all():
        assert segment.text not in detail
    assert client.get(f"{URL}{theirs.pk}/change/").status_code == 404


def test_a_superadmin_sees_every_session(
    client, superadmin, resident, riverside_resident
):
    a = session_with_segments(resident, count=1)
    b = session_with_segments(riverside_resident, count=1)
    client.force_login(superadmin)
    body = client.get(URL).content.decode()
    assert f"{URL}{a.pk}/change/" in body and f"{URL}{b.pk}/change/" in body


def test_view_on_site_does_not_confirm_another_institutions_ids(
    client, admin, resident, riverside_resident
):
    from django.contrib.contenttypes.models import ContentType

    from transcription.models import TranscriptionSession

    mine = session_with_segments(resident, count=1)
    theirs = session_with_segments(riverside_resident, count=1)
    ct = ContentType.objects.get_for_model(TranscriptionSession).pk
    client.force_login(admin)
    assert client.get(f"/admin/r/{ct}/{mine.pk}/").status_code == 302
    elsewhere = client.get(f"/admin/r/{ct}/{theirs.pk}/")
    missing = client.get(f"/admin/r/{ct}/99999999/")
    assert elsewhere.status_code == missing.status_code == 404
    assert client.get("/admin/r/99999/1/").status_code == 404
