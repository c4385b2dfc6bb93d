"""Batch invite from CSV: a result per row, good rows in, nothing else changed."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditLog
from institutions.models import Institution, Invitation
from institutions.services.invitation_batch import invitation_batch_invite
from noumaris.common.errors import NotFoundError

pytestmark = pytest.mark.django_db

CSV = """email,pgy,specialty
good.one@example.org,1,Internal Medicine
not-an-email,2,Surgery
too.senior@example.org,11,Surgery
GOOD.ONE@example.org,3,Pediatrics
good.two@example.org,2,Pediatrics
resident@example.org,2,Pediatrics
over.the.limit@example.org,1,Neurology
"""


def test_each_row_gets_a_result_and_only_the_good_rows_are_invited(
    admin, demo_hospital, resident, django_capture_on_commit_callbacks, mailoutbox
):
    Institution.objects.filter(pk=demo_hospital.pk).update(max_residents=3)
    with django_capture_on_commit_callbacks(execute=True):
        result = invitation_batch_invite(
            actor=admin, institution=demo_hospital, csv_text=CSV.encode()
        )
    outcome = {row.line: (row.ok, row.error) for row in result.rows}
    assert outcome == {
        2: (True, ""),
        3: (False, "'not-an-email' is not a valid e-mail address."),
        4: (False, "PGY must be a whole number from 1 to 10."),
        5: (False, "Duplicate of line 2 in this file."),
        6: (True, ""),
        7: (
            False,
            "resident@example.org is already a resident of Demo General Hospital.",
        ),
        8: (
            False,
            "No resident seat left at Demo General Hospital: 1 active residents and "
            "2 pending invitations use all 3 seats.",
        ),
    }
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "good.one@example.org",
        "good.two@example.org",
    ]
    assert AuditLog.objects.filter(action="RESIDENT_INVITED").count() == 2
    assert AuditLog.objects.count() == 2
    assert sorted(m.to[0] for m in mailoutbox) == [
        "good.one@example.org",
        "good.two@example.org",
    ]


def test_a_file_without_a_header_is_read_as_email_pgy_specialty(admin, demo_hospital):
    result = invitation_batch_invite(
        actor=admin,
        institution=demo_hospital,
        csv_text="a@example.org,1,Surgery\n\nb@example.org,2\n",
    )
    assert [row.ok for row in result.rows] == [True, True]
    assert Invitation.objects.get(email="b@example.org").specialty == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"name,year\nx,1\n", "must name the columns"),
        (b"email,pgy\n", "no residents"),
        (("email,pgy\n" + "x@example.org,1\n" * 501).encode(), "At most 500"),
    ],
)
def test_an_unreadable_file_writes_nothing(admin, demo_hospital, content, message):
    with pytest.raises(ValidationError, match=message):
        invitation_batch_invite(
            actor=admin, institution=demo_hospital, csv_text=content
        )
    assert not Invitation.objects.exists() and not AuditLog.objects.exists()


def test_an_outsider_cannot_import_into_another_institution(
    riverside_admin, demo_hospital
):
    with pytest.raises(NotFoundError):
        invitation_batch_invite(
            actor=riverside_admin, institution=demo_hospital, csv_text=CSV
        )
