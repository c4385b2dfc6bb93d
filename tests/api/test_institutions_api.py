"""The institutions API: the error contract, lists and filters, the onboarding flow."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.services import audit_record
from institutions.models import Institution, Invitation, ResidentProfile
from institutions.services.features import feature_grant, feature_revoke
from tests.factories import InvitationFactory, ResidentFactory, UserFactory

V1 = "/api/v1/"
SUPER = V1 + "admin/superadmin/"
INST = V1 + "admin/institution/"


@pytest.fixture
def as_admin(api, admin):
    api.force_login(admin)
    return api


@pytest.fixture
def as_super(api, superadmin):
    api.force_login(superadmin)
    return api


# --- The error contract --------------------------------------------------------------


def test_a_duplicate_institution_is_a_409_with_the_seeds_wording(as_super):
    assert (
        as_super.post(SUPER + "institutions", {"name": "Test Hospital"}).status_code
        == 201
    )
    response = as_super.post(SUPER + "institutions", {"name": "test hospital"})
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Institution with name 'test hospital' already exists"
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "pgy_level": 1}, "email"),
        ({"email": "a@example.org", "pgy_level": 0}, "pgy_level"),
        ({"email": "a@example.org", "pgy_level": 11}, "pgy_level"),
        ({"email": "a@example.org", "pgy_level": "two"}, "pgy_level"),
        ({"email": "a@example.org"}, "pgy_level"),
        ({"pgy_level": 2}, "email"),
    ],
)
def test_an_invalid_invitation_is_a_422_naming_the_field(as_admin, body, field):
    response = as_admin.post(INST + "residents/invite", body)
    assert response.status_code == 422
    assert response.json()["detail"] == "Validation failed"
    assert list(response.json()["errors"]) == [field]
    assert not Invitation.objects.exists()


def test_an_unknown_feature_is_a_422(as_admin, resident2):
    profile = resident2.resident_profile
    response = as_admin.post(
        f"{INST}residents/{profile.pk}/permissions", {"feature": "time_travel"}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "feature": ["There is no feature called 'time_travel'."]
    }


def test_an_unknown_feature_for_a_new_institution_is_a_422_and_creates_nothing(
    as_super,
):
    response = as_super.post(
        SUPER + "institutions", {"name": "Lakeside", "features": ["time_travel"]}
    )
    assert response.status_code == 422
    assert "features" in response.json()["errors"]
    assert not Institution.objects.filter(name="Lakeside").exists()


def test_a_pgy_outside_1_to_10_on_update_is_a_422(as_admin, resident):
    response = as_admin.patch(
        f"{INST}residents/{resident.resident_profile.pk}", {"pgy_level": 12}
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["pgy_level"]


def test_another_institutions_resident_is_a_404_like_a_missing_one(
    as_admin, riverside_resident
):
    pk = riverside_resident.resident_profile.pk
    theirs = as_admin.get(f"{INST}residents/{pk}")
    missing = as_admin.get(f"{INST}residents/{pk + 1000}")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()


def test_a_non_senior_admin_adding_an_admin_is_a_403_with_the_reason(api, admin2):
    api.force_login(admin2)
    response = api.post(INST + "admins", {"email": "new@example.org"})
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only senior admins can add admins to the institution."
    }


def test_a_resident_on_an_admin_route_is_a_403_with_the_reason(api, resident):
    api.force_login(resident)
    response = api.get(INST + "residents")
    assert response.status_code == 403
    assert "Only institution admins" in response.json()["detail"]


def test_the_last_seat_taken_is_a_409(as_admin, demo_hospital):
    Institution.objects.filter(pk=demo_hospital.pk).update(max_residents=1)
    first = as_admin.post(
        INST + "residents/invite", {"email": "one@example.org", "pgy_level": 1}
    )
    second = as_admin.post(
        INST + "residents/invite", {"email": "two@example.org", "pgy_level": 1}
    )
    assert first.status_code == 201
    assert second.status_code == 409
    assert "seat" in second.json()["detail"]


def test_me_permissions_gives_check_features_reason(api, resident, demo_hospital):
    Institution.objects.filter(pk=demo_hospital.pk).update(
        subscription_status=Institution.SubscriptionStatus.SUSPENDED
    )
    api.force_login(resident)
    features = {f["code"]: f for f in api.get(V1 + "me/permissions").json()}
    assert features["live_transcription"] == {
        "code": "live_transcription",
        "name": "Live transcription",
        "allowed": False,
        "reason": "Your institution's subscription is suspended.",
    }


def test_a_file_that_is_not_csv_text_is_a_422(as_admin):
    upload = SimpleUploadedFile("r.csv", b"\xff\xfe\x00binary", "text/csv")
    response = as_admin.post(
        INST + "residents/invite/batch", {"file": upload}, format="multipart"
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["file"]


def test_a_csv_cell_over_the_limit_is_a_422_naming_the_line(as_admin):
    csv = b"email,pgy,specialty\n" + b"a@example.org,1," + b"x" * 140_000 + b"\n"
    upload = SimpleUploadedFile("r.csv", csv, "text/csv")
    response = as_admin.post(
        INST + "residents/invite/batch", {"file": upload}, format="multipart"
    )
    assert response.status_code == 422
    assert response.json()["errors"]["file"] == [
        "Line 2 cannot be read: a cell is longer than 131,072 characters."
    ]
    assert not Invitation.objects.exists()


def test_a_csv_with_bare_cr_line_endings_is_read(as_admin):
    csv = b"email,pgy,specialty\rone@example.org,1,Surgery\rtwo@example.org,2,\r"
    upload = SimpleUploadedFile("old-mac.csv", csv, "text/csv")
    response = as_admin.post(
        INST + "residents/invite/batch", {"file": upload}, format="multipart"
    )
    assert response.status_code == 200, response.content
    assert [(r["line"], r["ok"]) for r in response.json()["rows"]] == [
        (2, True),
        (3, True),
    ]


def test_a_batch_upload_names_each_bad_row_and_invites_the_good_ones(as_admin):
    csv = (
        b"email,pgy,specialty\n"
        b"good@example.org,1,Surgery\n"
        b"not-an-email,2,\n"
        b"eleven@example.org,11,\n"
        b"good@example.org,3,\n"
    )
    upload = SimpleUploadedFile("residents.csv", csv, "text/csv")
    response = as_admin.post(
        INST + "residents/invite/batch", {"file": upload}, format="multipart"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["invited"], body["failed"]) == (1, 3)
    assert [(r["line"], r["ok"]) for r in body["rows"]] == [
        (2, True),
        (3, False),
        (4, False),
        (5, False),
    ]
    assert "line 2" in body["rows"][3]["error"]
    assert list(Invitation.objects.values_list("email", flat=True)) == [
        "good@example.org"
    ]


# --- Lists: filters, order, query counts ------------------------------------------------


def _residents(institution, n):
    return [
        ResidentFactory(
            institution=institution,
            user=UserFactory(last_name=f"Zed{i:03d}"),
            pgy_level=1 + i % 3,
            granted=("live_transcription",),
        )
        for i in range(n)
    ]


def test_the_residents_list_costs_the_same_queries_for_5_or_50(as_admin, demo_hospital):
    _residents(demo_hospital, 5)
    as_admin.get("/api/v1/me")  # the session's idle renewal (once a minute) is done
    with CaptureQueriesContext(connection) as five:
        assert as_admin.get(INST + "residents").json()["count"] == 5
    _residents(demo_hospital, 45)
    with CaptureQueriesContext(connection) as fifty:
        response = as_admin.get(INST + "residents", {"page_size": 50})
        assert len(response.json()["results"]) == 50
    # 1. session, 2. user with their admin membership (institutions/backends.py),
    # 3. count, 4. the page of residents with their users and each one's granted
    # codes (a subquery column)
    assert len(five) == len(fifty) == 4, [q["sql"] for q in fifty.captured_queries]


def test_the_residents_list_pages_count_and_link_like_every_other_list(
    as_admin, demo_hospital
):
    _residents(demo_hospital, 5)
    total = demo_hospital.residents.count()
    everyone = as_admin.get(INST + "residents", {"page_size": 100}).json()["results"]
    second = as_admin.get(INST + "residents", {"page_size": 2, "page": 2}).json()
    assert second["count"] == total
    assert second["results"] == everyone[2:4]
    assert "page=3" in second["next"] and "page_size=2" in second["next"]
    assert "page_size=2" in second["previous"]
    last_page = (total + 1) // 2
    last = as_admin.get(INST + "residents", {"page_size": 2, "page": last_page})
    assert last.json()["next"] is None
    assert last.json()["results"] == everyone[(last_page - 1) * 2 :]
    for page in (last_page + 1, 9500843795084573740630016):
        response = as_admin.get(INST + "residents", {"page_size": 2, "page": page})
        other = as_admin.get(INST + "invitations", {"page_size": 2, "page": page})
        assert response.status_code == other.status_code == 404, page
        assert response.json() == other.json()
        assert response.json()["detail"].startswith("Invalid page: That page "), page
    for page in (0, "x"):  # not a page number at all: a 422 naming it
        response = as_admin.get(INST + "residents", {"page_size": 2, "page": page})
        other = as_admin.get(INST + "invitations", {"page_size": 2, "page": page})
        assert response.status_code == other.status_code == 422, page
        assert list(response.json()["errors"]) == ["page"]
    nobody = as_admin.get(INST + "residents", {"search": "no-such-person-anywhere"})
    assert nobody.status_code == 200
    assert nobody.json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_a_residents_list_row_is_what_the_detail_route_answers(
    as_admin, admin, resident, demo_hospital
):
    """The list and the detail read the same columns through the same serializer."""
    profile = resident.resident_profile
    feature_revoke(actor=admin, resident=profile, code="note_export")
    feature_revoke(actor=admin, resident=profile, code="note_generation")
    feature_grant(actor=admin, resident=profile, code="note_generation")
    as_admin.patch(f"{INST}residents/{profile.pk}", {"status": "inactive"})
    _residents(demo_hospital, 3)  # and residents with no change of status
    rows = as_admin.get(INST + "residents", {"page_size": 100}).json()["results"]
    assert len(rows) == demo_hospital.residents.count() > 1
    for row in rows:
        detail = as_admin.get(f"{INST}residents/{row['id']}").json()
        assert row == detail
    mine = next(row for row in rows if row["id"] == profile.pk)
    assert mine["features"] == [
        "custom_templates",
        "live_transcription",
        "note_generation",
    ]
    assert mine["status"] == "inactive" and mine["status_changed_at"]


def test_the_invitations_list_costs_the_same_queries_for_5_or_50(
    as_admin, demo_hospital
):
    InvitationFactory.create_batch(5, institution=demo_hospital)
    as_admin.get("/api/v1/me")  # the session's idle renewal (once a minute) is done
    with CaptureQueriesContext(connection) as five:
        assert as_admin.get(INST + "invitations").json()["count"] == 5
    InvitationFactory.create_batch(45, institution=demo_hospital)
    with CaptureQueriesContext(connection) as fifty:
        response = as_admin.get(INST + "invitations", {"page_size": 50})
        assert len(response.json()["results"]) == 50
    # session, user with their admin membership, count, page (inviter joined)
    assert len(five) == len(fifty) == 4


def test_the_audit_list_costs_the_same_queries_for_5_or_50(
    as_admin, admin, demo_hospital
):
    def record(n):
        for _ in range(n):
            audit_record(actor=admin, action="TEST", institution=demo_hospital)

    record(5)
    as_admin.get("/api/v1/me")  # the session's idle renewal (once a minute) is done
    with CaptureQueriesContext(connection) as five:
        assert as_admin.get(INST + "audit-logs").json()["count"] == 5
    record(45)
    with CaptureQueriesContext(connection) as fifty:
        response = as_admin.get(INST + "audit-logs", {"page_size": 50})
        assert len(response.json()["results"]) == 50
    # session, user with their admin membership, count, page
    assert len(five) == len(fifty) == 4


def test_residents_filter_by_status_pgy_specialty_and_search(
    as_admin, demo_hospital, resident, resident2
):
    ResidentFactory(
        institution=demo_hospital,
        user=UserFactory(
            username="grace",
            first_name="Grace",
            last_name="Hopper",
            email="gh@example.org",
        ),
        pgy_level=5,
        specialty="Cardiology",
        status=ResidentProfile.Status.GRADUATED,
    )

    def names(**params):
        response = as_admin.get(INST + "residents", params)
        return [r["user"]["username"] for r in response.json()["results"]]

    assert names() == ["grace", "resident", "resident2"]  # Hopper, Resident, Second
    assert names(status="graduated") == ["grace"]
    assert names(status="active") == ["resident", "resident2"]
    assert names(pgy_level=2) == ["resident"]
    assert names(specialty="cardiology") == ["grace"]
    assert names(search="hopp") == ["grace"]
    assert names(search="GH@EXAMPLE") == ["grace"]
    assert names(search="rosa") == ["resident"]
    assert names(search="riverside") == []


def test_residents_list_is_ordered_by_name_then_id(as_admin, demo_hospital):
    same = [
        ResidentFactory(
            institution=demo_hospital,
            user=UserFactory(first_name="A", last_name="Same"),
        )
        for _ in range(3)
    ]
    ids = [r["id"] for r in as_admin.get(INST + "residents").json()["results"]]
    assert ids == sorted(r.pk for r in same)


def test_a_bad_filter_is_a_422(as_admin):
    response = as_admin.get(INST + "residents", {"pgy_level": 11, "status": "retired"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"pgy_level", "status"}


def test_invitations_filter_by_status_with_expired_pending_ones_as_expired(
    as_admin, demo_hospital
):
    live = InvitationFactory(institution=demo_hospital)
    lapsed = InvitationFactory(
        institution=demo_hospital, expires_at=timezone.now() - dt.timedelta(days=1)
    )
    revoked = InvitationFactory(
        institution=demo_hospital, status=Invitation.Status.REVOKED
    )

    def ids(status):
        results = as_admin.get(INST + "invitations", {"status": status}).json()
        return [r["id"] for r in results["results"]]

    assert ids("pending") == [live.pk]
    assert ids("expired") == [lapsed.pk]
    assert ids("revoked") == [revoked.pk]


def test_audit_filters_by_action_actor_and_date_range(as_admin, admin, admin2):
    institution = admin.institution_admin.institution
    audit_record(actor=admin, action="RESIDENT_INVITED", institution=institution)
    audit_record(actor=admin2, action="FEATURE_GRANTED", institution=institution)
    audit_record(actor=admin2, action="FEATURE_GRANTED", institution=institution)
    now = timezone.now()

    def actions(**params):
        results = as_admin.get(INST + "audit-logs", params).json()["results"]
        return [(r["action"], r["actor_username"]) for r in results]

    assert actions(action="RESIDENT_INVITED") == [("RESIDENT_INVITED", "admin")]
    assert actions(actor="admin2") == [("FEATURE_GRANTED", "admin2")] * 2
    assert actions(since=(now + dt.timedelta(minutes=1)).isoformat()) == []
    assert len(actions(until=(now + dt.timedelta(minutes=1)).isoformat())) == 3


def test_an_admin_sees_only_their_institutions_audit(
    as_admin, riverside_admin, riverside
):
    audit_record(actor=riverside_admin, action="SECRET", institution=riverside)
    assert as_admin.get(INST + "audit-logs", {"action": "SECRET"}).json()["count"] == 0


# --- The seed's onboarding flow, end to end ----------------------------------------------


def test_the_onboarding_flow_through_the_api(
    api, superadmin, settings, django_user_model, django_capture_on_commit_callbacks
):
    """Create an institution, add its admin, invite a resident, accept, grant, usage."""
    settings.API_RATE_LIMIT = "1000/m"
    api.force_login(superadmin)
    created = api.post(
        SUPER + "institutions",
        {
            "name": "Lakeside Teaching Hospital",
            "contact_email": "gme@lakeside.example.org",
            "timezone": "America/Chicago",
            "max_residents": 10,
            "features": ["live_transcription", "note_generation"],
        },
    )
    assert created.status_code == 201, created.json()
    institution = created.json()
    assert institution["features"] == ["live_transcription", "note_generation"]
    base = f"{SUPER}institutions/{institution['id']}"
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail
        invited_admin = api.post(
            base + "/admins",
            {"email": "coordinator@lakeside.example.org", "is_senior": True},
        )
    assert invited_admin.status_code == 201
    token = _token_from_last_email()

    anonymous = api.__class__()
    accepted = anonymous.post(
        f"{V1}invitations/{token}/accept",
        {"username": "coordinator", "password": "a long enough passphrase"},
    )
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["role"] == "admin"

    coordinator = api.__class__()
    coordinator.force_login(django_user_model.objects.get(username="coordinator"))
    with django_capture_on_commit_callbacks(execute=True):
        invite = coordinator.post(
            INST + "residents/invite",
            {
                "email": "new.resident@lakeside.example.org",
                "pgy_level": 1,
                "features": ["note_generation"],
            },
        )
    assert invite.status_code == 201
    token = _token_from_last_email()
    assert anonymous.get(f"{V1}invitations/{token}").json()["valid"] is True
    joined = anonymous.post(
        f"{V1}invitations/{token}/accept",
        {"username": "newresident", "password": "another long passphrase"},
    )
    assert joined.status_code == 200

    residents = coordinator.get(INST + "residents").json()["results"]
    assert [r["user"]["username"] for r in residents] == ["newresident"]
    grant = coordinator.post(
        f"{INST}residents/{residents[0]['id']}/permissions",
        {"feature": "live_transcription"},
    )
    assert grant.status_code == 201
    usage = coordinator.get(INST + "usage").json()
    assert (usage["seats_used"], usage["seats_limit"], usage["admins"]) == (1, 10, 1)
    assert api.get(base + "/usage").json() == usage
    actions = [e["action"] for e in api.get(SUPER + "audit-logs").json()["results"]]
    assert actions[:4] == [
        "FEATURE_GRANTED",  # live transcription, by the coordinator
        "INVITATION_ACCEPTED",
        "FEATURE_GRANTED",  # note generation, chosen at invitation
        "RESIDENT_INVITED",
    ]


def _token_from_last_email() -> str:
    body = mail.outbox[-1].body
    return re.search(r"/invite/([A-Za-z0-9_\-]+)", body).group(1)


def test_making_an_unknown_account_a_physician_is_a_422_naming_the_field(as_super):
    from institutions.models import PhysicianProfile

    response = as_super.post(
        "/api/v1/admin/superadmin/physicians", {"username": "nobody-here"}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"username": ["No such account."]}
    assert not PhysicianProfile.objects.exists()


def test_an_invitation_names_the_features_it_grants(as_admin):
    response = as_admin.post(
        INST + "residents/invite",
        {"email": "new@example.org", "pgy_level": 2, "features": ["note_generation"]},
    )
    assert response.status_code == 201, response.content
    assert response.json()["features"] == ["note_generation"]
    default = as_admin.post(
        INST + "residents/invite", {"email": "other@example.org", "pgy_level": 2}
    )
    assert len(default.json()["features"]) == 4
    refused = as_admin.post(
        INST + "residents/invite",
        {"email": "third@example.org", "pgy_level": 2, "features": ["teleport"]},
    )
    assert refused.status_code == 422
    assert list(refused.json()["errors"]) == ["features"]


def test_a_resident_with_no_features_lists_an_empty_list_not_null(
    as_admin, admin, resident
):
    """The schema promises an array: a resident whose every grant was revoked (the
    schemathesis run found null)."""
    profile = resident.resident_profile
    for code in list(
        profile.user.feature_grants.filter(revoked_at__isnull=True).values_list(
            "feature__code", flat=True
        )
    ):
        feature_revoke(actor=admin, resident=profile, code=code)
    rows = as_admin.get(INST + "residents", {"page_size": 100}).json()["results"]
    mine = next(row for row in rows if row["id"] == profile.pk)
    assert mine["features"] == []
    assert as_admin.get(f"{INST}residents/{profile.pk}").json()["features"] == []
