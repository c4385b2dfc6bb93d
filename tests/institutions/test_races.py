"""The two races, on PostgreSQL with real threads and real connections.

Two admins invite for the last seat at the same moment: exactly one succeeds.
Two browsers accept the same invitation at the same moment: exactly one wins.
"""

import threading

import pytest
from django.db import connection

from institutions.models import Institution, Invitation, ResidentProfile
from institutions.services.invitation_accept import invitation_accept
from institutions.services.invitations import resident_invite
from noumaris.common.errors import ApplicationError
from tests.factories import InvitationFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _at_once(*calls):
    """Run each call in its own thread (its own connection), released together."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except ApplicationError as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_two_admins_inviting_for_the_last_seat_one_wins(admin, admin2, demo_hospital):
    Institution.objects.filter(pk=demo_hospital.pk).update(max_residents=1)
    for _ in range(5):  # repeat: a race that passes once may be luck
        Invitation.objects.all().delete()
        outcomes = _at_once(
            lambda: resident_invite(
                actor=admin,
                institution=demo_hospital,
                email="a@example.org",
                pgy_level=1,
            ),
            lambda: resident_invite(
                actor=admin2,
                institution=demo_hospital,
                email="b@example.org",
                pgy_level=1,
            ),
        )
        won = [o for o in outcomes if isinstance(o, Invitation)]
        lost = [o for o in outcomes if isinstance(o, ApplicationError)]
        assert len(won) == 1 and len(lost) == 1, outcomes
        assert "No resident seat left" in lost[0].message
        assert Invitation.objects.count() == 1


def test_two_accepts_of_one_invitation_one_wins(demo_hospital):
    invitation = InvitationFactory(
        institution=demo_hospital, email="twin@example.org", token="race-token"
    )
    first = UserFactory(username="twin1", email="twin@example.org")
    second = UserFactory(username="twin2", email="twin@example.org")
    outcomes = _at_once(
        lambda: invitation_accept(token="race-token", user=first),
        lambda: invitation_accept(token="race-token", user=second),
    )
    won = [o for o in outcomes if isinstance(o, Invitation)]
    lost = [o for o in outcomes if isinstance(o, ApplicationError)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert lost[0].message == "This invitation has already been used."
    assert ResidentProfile.objects.count() == 1
    invitation.refresh_from_db()
    assert invitation.status == "accepted"
