"""What a coordinator does in the admin: invite, import, grant, graduate, read usage.

Every change goes through a service, so it is checked and audited."""

import datetime as dt

import pytest
from django.contrib import admin as django_admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog
from institutions.models import FeatureGrant, Institution, InstitutionAdmin, Invitation
from institutions.selectors import resident_seats_used
from tests.factories import InvitationFactory, ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db

INVITE = reverse("admin:institutions_residentprofile_invite")
IMPORT = reverse("admin:institutions_residentprofile_import")
RESIDENTS = reverse("admin:institutions_residentprofile_changelist")


def _actions():
    return list(AuditLog.objects.order_by("id").values_list("action", flat=True))


def test_a_coordinator_invites_a_resident(
    client, admin, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    page = client.get(INVITE).content.decode()
    assert "Send the invitation" in page and 'name="institution"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            INVITE,
            {
                "email": "june@example.org",
                "role": "resident",
                "pgy_level": "1",
                "specialty": "Surgery",
            },
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.invited_by == admin and invitation.pgy_level == 1
    assert _actions() == ["RESIDENT_INVITED"]
    assert len(mailoutbox) == 1


def test_the_invite_form_shows_a_services_refusal_next_to_the_form(
    client, admin, resident
):
    client.force_login(admin)
    response = client.post(
        INVITE, {"email": "resident@example.org", "role": "resident", "pgy_level": "2"}
    )
    assert response.status_code == 200
    assert "already a resident of Demo General Hospital" in response.content.decode()
    response = client.post(
        INVITE, {"email": "x@example.org", "role": "resident", "pgy_level": ""}
    )
    assert "PGY must be a whole number from 1 to 10." in response.content.decode()
    assert not Invitation.objects.exists()


def test_plain_admins_cannot_invite_admins(client, admin2):
    client.force_login(admin2)
    page = client.get(INVITE).content.decode()
    assert 'value="admin"' not in page
    response = client.post(
        INVITE, {"email": "boss@example.org", "role": "admin", "pgy_level": ""}
    )
    assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_importing_a_csv_shows_a_result_per_row(client, admin, resident, demo_hospital):
    Institution.objects.filter(pk=demo_hospital.pk).update(max_residents=3)
    client.force_login(admin)
    csv = (
        "email,pgy,specialty\n"
        "ok1@example.org,1,Surgery\n"
        "bad-email,1,Surgery\n"
        "ok2@example.org,11,Surgery\n"
        "ok1@example.org,2,Surgery\n"
        "ok3@example.org,2,Pediatrics\n"
        "over@example.org,2,Pediatrics\n"
    )
    response = client.post(
        IMPORT, {"file": SimpleUploadedFile("residents.csv", csv.encode())}
    )
    text = response.content.decode()
    assert "2 invited, 4 not invited" in text
    assert "&#x27;bad-email&#x27; is not a valid e-mail address." in text
    assert "PGY must be a whole number from 1 to 10." in text
    assert "Duplicate of line 2 in this file." in text
    assert "No resident seat left" in text
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "ok1@example.org",
        "ok3@example.org",
    ]


def test_an_unreadable_csv_is_an_error_on_the_form(client, admin):
    client.force_login(admin)
    response = client.post(
        IMPORT, {"file": SimpleUploadedFile("x.csv", b"name,year\nx,1\n")}
    )
    assert "must name the columns" in response.content.decode()


def test_granting_features_to_selected_residents(
    client, admin, resident2, demo_hospital
):
    other = ResidentFactory(institution=demo_hospital)
    client.force_login(admin)
    selected = [resident2.resident_profile.pk, other.pk]
    page = client.post(
        RESIDENTS, {"action": "grant_features", "_selected_action": selected}
    )
    assert page.status_code == 200
    assert "Live transcription" in page.content.decode()
    response = client.post(
        RESIDENTS,
        {
            "action": "grant_features",
            "_selected_action": selected,
            "apply": "1",
            "features": ["live_transcription", "note_generation"],
        },
    )
    assert response.status_code == 302
    assert FeatureGrant.objects.filter(revoked_at__isnull=True).count() == 4
    assert _actions() == ["FEATURE_GRANTED"] * 4
    client.post(
        RESIDENTS,
        {
            "action": "revoke_features",
            "_selected_action": [other.pk],
            "apply": "1",
            "features": ["live_transcription"],
        },
    )
    assert _actions()[-1] == "FEATURE_REVOKED"


def test_editing_a_resident_goes_through_the_service(client, admin, resident):
    client.force_login(admin)
    url = reverse(
        "admin:institutions_residentprofile_change", args=[resident.resident_profile.pk]
    )
    response = client.post(url, {"pgy_level": "11", "specialty": "Surgery"})
    assert response.status_code == 200  # the database's range, said on the form
    response = client.post(url, {"pgy_level": "3", "specialty": "Surgery"})
    assert response.status_code == 302
    [row] = AuditLog.objects.filter(action="RESIDENT_UPDATED")
    assert row.details["changes"]["pgy_level"] == [2, 3]


def test_only_senior_admins_add_admins_and_adding_one_sends_an_invitation(
    client, admin, admin2
):
    add = reverse("admin:institutions_institutionadmin_add")
    client.force_login(admin2)
    assert client.get(add).status_code == 403
    client.force_login(admin)
    UserFactory(username="coord", email="coord@example.org")
    response = client.post(add, {"email": "COORD@example.org"})
    assert response.status_code == 302
    # An existing account is invited like anyone else: nobody becomes an admin
    # without accepting.
    assert not InstitutionAdmin.objects.filter(user__username="coord").exists()
    response = client.post(add, {"email": "newcomer@example.org", "is_senior": "on"})
    assert sorted(Invitation.objects.values_list("email", "role", "is_senior")) == [
        ("coord@example.org", "admin", False),
        ("newcomer@example.org", "admin", True),
    ]
    assert _actions() == ["ADMIN_INVITED", "ADMIN_INVITED"]


def test_a_superadmin_changes_an_institution_through_the_services(
    client, superadmin, demo_hospital
):
    client.force_login(superadmin)
    url = reverse("admin:institutions_institution_change", args=[demo_hospital.pk])
    response = client.post(
        url,
        {
            "name": "Demo General Hospital",
            "contact_email": "gme@example.org",
            "timezone": "America/New_York",
            "subscription_status": "suspended",
            "max_residents": "60",
            "max_admins": "5",
            "recording_retention_days": "0",
            "features": ["live_transcription", "note_generation"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert _actions() == [
        "INSTITUTION_UPDATED",
        "SUBSCRIPTION_CHANGED",
        "INSTITUTION_FEATURES_CHANGED",
    ]


def test_a_duplicate_institution_name_is_said_on_the_form(
    client, superadmin, riverside
):
    client.force_login(superadmin)
    response = client.post(
        reverse("admin:institutions_institution_add"),
        {
            "name": "RIVERSIDE medical center",
            "timezone": "UTC",
            "subscription_status": "trial",
            "max_residents": "10",
            "max_admins": "2",
            "recording_retention_days": "0",
        },
    )
    assert response.status_code == 200
    assert (
        "Institution with name &#x27;RIVERSIDE medical center&#x27; already exists"
        in response.content.decode()
    )
    assert Institution.objects.count() == 1


def test_institution_admins_read_their_institution_and_change_only_its_recordings(
    client, admin, admin2, demo_hospital, riverside, resident, resident2
):
    client.force_login(admin)
    url = reverse("admin:institutions_institution_change", args=[demo_hospital.pk])
    text = client.get(url).content.decode()
    assert "Resident seats" in text and "2 <small>of 50 used" in text
    assert "Active residents by PGY" in text and "<svg" in text
    assert "PGY-2: 1" in text
    # name and seats are the subscription's (read-only); the recordings are theirs
    response = client.post(
        url,
        {
            "name": "Renamed",
            "max_residents": "500",
            "recording_retention_days": "14",
            "vocabulary": "ustekinumab\nCrohn disease",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    demo_hospital.refresh_from_db()
    assert (demo_hospital.name, demo_hospital.max_residents) == (
        "Demo General Hospital",
        50,
    )
    assert demo_hospital.recording_retention_days == 14
    assert demo_hospital.vocabulary == "ustekinumab\nCrohn disease"
    assert _actions() == ["INSTITUTION_RECORDINGS_CHANGED"]
    # another institution's page stays out of reach
    other = reverse("admin:institutions_institution_change", args=[riverside.pk])
    assert client.post(other, {"recording_retention_days": "30"}).status_code in (
        302,
        403,
        404,
    )
    riverside.refresh_from_db()
    assert riverside.recording_retention_days == 0
    # a non-senior admin reads them only
    client.force_login(admin2)
    response = client.post(url, {"recording_retention_days": "90"})
    assert response.status_code == 403
    demo_hospital.refresh_from_db()
    assert demo_hospital.recording_retention_days == 14


def test_a_superadmin_grants_a_physician_a_feature(client, superadmin, physician):
    client.force_login(superadmin)
    url = reverse("admin:institutions_physicianprofile_changelist")
    selected = [physician.physician_profile.pk]
    response = client.post(
        url,
        {
            "action": "grant_features",
            "_selected_action": selected,
            "apply": "1",
            "features": ["note_export", "note_generation"],
        },
    )
    assert response.status_code == 302
    # note_generation was already granted: skipped, said why, nothing written for it
    assert _actions() == ["FEATURE_GRANTED"]
    said = [str(m) for m in client.get(url).context["messages"]]
    assert said == [
        f"Granted 1 feature. Not granted (1): {physician} already has Note generation."
    ]
    assert FeatureGrant.objects.filter(
        user=physician, feature__code="note_export", revoked_at__isnull=True
    ).exists()


def test_the_institution_list_counts_seats_by_the_seat_rule(
    rf, superadmin, demo_hospital, resident
):
    InvitationFactory(institution=demo_hospital)
    InvitationFactory(
        institution=demo_hospital, expires_at=timezone.now() - dt.timedelta(days=1)
    )
    InvitationFactory(institution=demo_hospital, role="faculty")
    request = rf.get("/")
    request.user = superadmin
    model_admin = django_admin.site._registry[Institution]
    row = model_admin.get_queryset(request).get(pk=demo_hospital.pk)
    used = resident_seats_used(institution=demo_hospital)
    assert (row.active_residents, row.pending_residents) == used == (1, 1)
