"""Invite, resend, revoke and accept: each rule, each refusal, one audit row each."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditLog
from institutions.models import Institution, Invitation, ResidentProfile
from institutions.services.invitation_accept import (
    invitation_accept,
    invitation_accept_new_account,
)
from institutions.services.invitations import (
    invitation_create,
    invitation_resend,
    invitation_revoke,
    resident_invite,
)
from institutions.tokens import invitation_token_hash
from noumaris.common.errors import ConflictError, ForbiddenError, NotFoundError
from tests.factories import InvitationFactory, ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _actions():
    return list(AuditLog.objects.order_by("id").values_list("action", flat=True))


def _invite(admin, institution, email="new.resident@example.org", pgy=1, **kw):
    return resident_invite(
        actor=admin, institution=institution, email=email, pgy_level=pgy, **kw
    )


def test_an_admin_invites_a_resident_and_the_email_carries_the_link(
    admin, demo_hospital, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://noumaris.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(
            admin,
            demo_hospital,
            email=" New.Resident@Example.ORG ",
            pgy=3,
            specialty="Pediatrics",
        )
    assert invitation.email == "new.resident@example.org"
    assert invitation.token_hash == invitation_token_hash(invitation.token)
    assert invitation.token not in invitation.token_hash
    assert invitation.expires_at - timezone.now() > dt.timedelta(days=6, hours=23)
    assert _actions() == ["RESIDENT_INVITED"]
    [message] = mail.outbox
    assert message.to == ["new.resident@example.org"]
    assert "Demo General Hospital" in message.subject
    link = f"https://noumaris.example.org/invite/{invitation.token}"
    assert link in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and link in html and "PGY-3" in html


def test_bad_email_and_pgy_are_field_errors(admin, demo_hospital):
    with pytest.raises(ValidationError) as invalid:
        _invite(admin, demo_hospital, email="not-an-email", pgy=11)
    assert set(invalid.value.message_dict) == {"email", "pgy_level"}
    assert not Invitation.objects.exists() and not _actions()


def test_a_second_pending_invitation_to_the_same_address_is_a_conflict(
    admin, demo_hospital
):
    _invite(admin, demo_hospital)
    with pytest.raises(ConflictError, match="already pending; resend it instead"):
        _invite(admin, demo_hospital, email="NEW.resident@example.org")


def test_an_expired_invitation_frees_the_address(admin, demo_hospital):
    old = InvitationFactory(
        institution=demo_hospital,
        email="new.resident@example.org",
        expires_at=timezone.now() - dt.timedelta(minutes=1),
    )
    _invite(admin, demo_hospital)
    old.refresh_from_db()
    assert old.status == "expired"


def test_members_cannot_be_invited_again(admin, demo_hospital, resident):
    with pytest.raises(ConflictError, match="already a resident of Demo General"):
        _invite(admin, demo_hospital, email="RESIDENT@example.org")
    ResidentProfile.objects.filter(user=resident).update(status="graduated")
    with pytest.raises(ConflictError, match="reactivate them instead"):
        _invite(admin, demo_hospital, email="resident@example.org")


def test_the_seat_limit_counts_active_residents_and_pending_invitations(
    admin, demo_hospital, resident
):
    Institution.objects.filter(pk=demo_hospital.pk).update(max_residents=3)
    demo_hospital.refresh_from_db()
    ResidentFactory(institution=demo_hospital, status="graduated")  # no seat
    _invite(admin, demo_hospital, email="one@example.org")
    _invite(admin, demo_hospital, email="two@example.org")
    with pytest.raises(ConflictError) as full:
        _invite(admin, demo_hospital, email="three@example.org")
    assert full.value.message == (
        "No resident seat left at Demo General Hospital: 1 active residents and "
        "2 pending invitations use all 3 seats."
    )
    # faculty do not use resident seats
    invitation_create(
        actor=admin, institution=demo_hospital, email="doc@example.org", role="faculty"
    )


def test_only_senior_admins_invite_admins(admin, admin2, demo_hospital):
    with pytest.raises(ForbiddenError, match="Only senior admins"):
        invitation_create(
            actor=admin2, institution=demo_hospital, email="a@example.org", role="admin"
        )
    invitation = invitation_create(
        actor=admin, institution=demo_hospital, email="a@example.org", role="admin"
    )
    assert invitation.pgy_level is None
    assert _actions() == ["ADMIN_INVITED"]


def test_an_outsider_admin_cannot_invite_into_another_institution(
    riverside_admin, demo_hospital
):
    with pytest.raises(NotFoundError):
        _invite(riverside_admin, demo_hospital)
    assert not Invitation.objects.exists()


def test_residents_cannot_invite(resident, demo_hospital):
    with pytest.raises(NotFoundError):
        _invite(resident, demo_hospital)


def test_resend_issues_a_new_link_and_restarts_the_clock(
    admin, demo_hospital, django_capture_on_commit_callbacks
):
    invitation = _invite(admin, demo_hospital)
    old_token = invitation.token
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() + dt.timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        resent = invitation_resend(actor=admin, invitation=invitation)
    assert resent.token != old_token and resent.sent_count == 2
    assert resent.expires_at - timezone.now() > dt.timedelta(days=6)
    assert resent.token in mail.outbox[-1].body
    with pytest.raises(NotFoundError):
        invitation_accept(token=old_token, user=UserFactory(email=resent.email))
    assert _actions() == ["RESIDENT_INVITED", "INVITATION_RESENT"]


def test_resending_an_expired_invitation_needs_a_seat(admin, demo_hospital):
    Institution.objects.filter(pk=demo_hospital.pk).update(max_residents=1)
    expired = InvitationFactory(
        institution=demo_hospital, expires_at=timezone.now() - dt.timedelta(days=1)
    )
    _invite(admin, demo_hospital, email="took-the-seat@example.org")
    with pytest.raises(ConflictError, match="No resident seat left"):
        invitation_resend(actor=admin, invitation=expired)


def test_revoke_frees_the_seat_and_kills_the_link(admin, demo_hospital):
    invitation = _invite(admin, demo_hospital)
    invitation_revoke(actor=admin, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.status == "revoked" and invitation.revoked_by == admin
    with pytest.raises(ConflictError, match="already revoked"):
        invitation_revoke(actor=admin, invitation=invitation)
    with pytest.raises(ConflictError, match="only pending invitations can be resent"):
        invitation_resend(actor=admin, invitation=invitation)
    assert _actions() == ["RESIDENT_INVITED", "INVITATION_REVOKED"]


def test_accepting_makes_the_resident_once(admin, demo_hospital):
    invitation = _invite(admin, demo_hospital, pgy=4, specialty="Surgery")
    person = UserFactory(email="New.Resident@example.org")
    invitation_accept(token=invitation.token, user=person, ip_address="10.1.1.1")
    profile = ResidentProfile.objects.get(user=person)
    assert (profile.institution, profile.pgy_level, profile.specialty) == (
        demo_hospital,
        4,
        "Surgery",
    )
    invitation.refresh_from_db()
    assert invitation.status == "accepted" and invitation.accepted_by == person
    with pytest.raises(ConflictError, match="already been used"):
        invitation_accept(token=invitation.token, user=person)
    # The institution's four features, granted by the inviting admin.
    assert _actions() == ["RESIDENT_INVITED"] + ["FEATURE_GRANTED"] * 4 + [
        "INVITATION_ACCEPTED"
    ]


def test_an_admin_invitation_makes_a_staff_admin(admin, demo_hospital):
    invitation = invitation_create(
        actor=admin,
        institution=demo_hospital,
        email="boss@example.org",
        role="admin",
        is_senior=True,
    )
    person = UserFactory(email="boss@example.org")
    invitation_accept(token=invitation.token, user=person)
    person.refresh_from_db()
    assert person.is_staff and person.institution_admin.is_senior


def test_accepting_with_another_email_is_refused_and_changes_nothing(
    admin, demo_hospital
):
    invitation = _invite(admin, demo_hospital)
    with pytest.raises(ForbiddenError, match="different e-mail address"):
        invitation_accept(
            token=invitation.token, user=UserFactory(email="x@example.org")
        )
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert not ResidentProfile.objects.exists()


def test_an_expired_invitation_cannot_be_accepted(demo_hospital):
    invitation = InvitationFactory(
        institution=demo_hospital,
        token="expired-token",
        expires_at=timezone.now() - dt.timedelta(seconds=1),
    )
    with pytest.raises(ConflictError, match="expired on"):
        invitation_accept(
            token="expired-token", user=UserFactory(email=invitation.email)
        )
    assert not ResidentProfile.objects.exists()


def test_an_unknown_token_is_not_found(alice):
    with pytest.raises(NotFoundError, match="not valid"):
        invitation_accept(token="made-up", user=alice)


def test_someone_with_a_role_cannot_take_a_second_one(admin, demo_hospital, resident):
    invitation = invitation_create(
        actor=admin,
        institution=demo_hospital,
        email="someone@example.org",
        role="faculty",
    )
    resident.email = "someone@example.org"
    with pytest.raises(ConflictError, match="already a resident"):
        invitation_accept(token=invitation.token, user=resident)


def test_a_new_local_account_accepts_in_one_step(admin, demo_hospital, password):
    invitation = _invite(admin, demo_hospital)
    accepted, user = invitation_accept_new_account(
        token=invitation.token,
        username="newbie",
        password=password,
        first_name="Nina",
        last_name="Newbie",
    )
    assert accepted.status == "accepted"
    assert user.email == "new.resident@example.org" and user.check_password(password)
    assert user.resident_profile.institution == demo_hospital


def test_a_new_account_with_a_weak_password_or_taken_name_writes_nothing(
    admin, demo_hospital, resident
):
    invitation = _invite(admin, demo_hospital)
    with pytest.raises(ValidationError) as invalid:
        invitation_accept_new_account(
            token=invitation.token, username="RESIDENT", password="123"
        )
    assert set(invalid.value.message_dict) == {"username", "password"}
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert _actions() == ["RESIDENT_INVITED"]


def test_only_a_senior_admin_resends_or_revokes_an_admin_invitation(
    admin, admin2, demo_hospital
):
    from institutions.services.invitations import invitation_create

    invitation = invitation_create(
        actor=admin,
        institution=demo_hospital,
        email="new.admin@example.org",
        role=Invitation.Role.ADMIN,
    )
    for action in (invitation_resend, invitation_revoke):
        with pytest.raises(ForbiddenError, match="Only senior admins"):
            action(actor=admin2, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.status == "pending" and invitation.sent_count == 1
    assert invitation_revoke(actor=admin, invitation=invitation).status == "revoked"


def test_any_admin_resends_and_revokes_a_resident_invitation(admin2, demo_hospital):
    invitation = _invite(admin2, demo_hospital)
    invitation_resend(actor=admin2, invitation=invitation)
    assert invitation_revoke(actor=admin2, invitation=invitation).status == "revoked"


def test_a_new_resident_gets_the_features_the_admin_chose(admin, demo_hospital):
    from institutions.services.permissions import check_feature

    invitation = _invite(
        admin, demo_hospital, feature_codes=["live_transcription", "note_generation"]
    )
    person = UserFactory(email="new.resident@example.org")
    invitation_accept(token=invitation.token, user=person)
    assert check_feature(person, "live_transcription")
    assert check_feature(person, "note_generation")
    assert not check_feature(person, "note_export")


def test_by_default_a_new_resident_gets_what_the_institution_has(admin, demo_hospital):
    from institutions.services.permissions import check_features

    invitation = _invite(admin, demo_hospital)
    person = UserFactory(email="new.resident@example.org")
    invitation_accept(token=invitation.token, user=person)
    assert all(access for _, access in check_features(person))


def test_a_feature_the_institution_lacks_cannot_be_promised(admin, demo_hospital):
    from institutions.models import InstitutionFeature

    InstitutionFeature.objects.filter(
        institution=demo_hospital, feature__code="note_export"
    ).update(is_enabled=False)
    with pytest.raises(ValidationError) as refused:
        _invite(admin, demo_hospital, feature_codes=["note_export"])
    assert "does not include note_export" in str(refused.value)
    assert not Invitation.objects.exists()
