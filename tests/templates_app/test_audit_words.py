"""The admin's audit log speaks the product's language (issue 27): "Note co-signed",
"Clinical note #8", "feedback given", the time in the institution's zone."""

import re

import pytest
from django.test import Client

from accounts.models import AuditLog
from institutions.admin.audit_words import details_words
from institutions.models import Institution
from tests.templates_app.supervision_helpers import cosigned

pytestmark = pytest.mark.django_db


def test_the_audit_log_reads_in_words(note, resident, attending, admin, demo_hospital):
    Institution.objects.filter(pk=demo_hospital.pk).update(timezone="America/New_York")
    cosigned(note, resident, attending, comment="Good plan.")
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/accounts/auditlog/").content.decode()
    assert "Note co-signed" in listing and ">NOTE_COSIGNED<" not in listing
    assert f"Clinical note #{note.pk}" in listing
    assert "templates_app.ClinicalNote" not in listing
    assert "feedback given" in listing
    assert re.search(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d E[SD]T", listing)
    entry = AuditLog.objects.get(action="NOTE_COSIGNED")
    page = client.get(f"/admin/accounts/auditlog/{entry.pk}/change/").content.decode()
    assert "feedback given" in page and '{"feedback"' not in page
    assert "Note co-signed" in page


def test_details_read_as_a_sentence():
    assert details_words({"feedback": False, "format": "text"}) == (
        "no feedback; format: text"
    )
    assert details_words({"supervisor_id": 4}) == "supervisor #4"
    assert details_words({"seconds": 12.5, "consent_confirmed_at": None}) == (
        "seconds: 12.5"
    )
    assert details_words({}) == "—"
