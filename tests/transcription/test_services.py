"""Writes of the transcription app."""

import importlib
import inspect

import pytest

from accounts.models import AuditLog
from noumaris.common.errors import ForbiddenError
from transcription.engines import Result
from transcription.services.segments import segment_append
from transcription.services.sessions import ConsentRequired, session_start
from transcription.services.transcripts import transcript_read

pytestmark = pytest.mark.django_db


def final(text: str) -> Result:
    return Result(text=text, is_final=True, start_ms=0, end_ms=100)


def test_two_writers_expecting_the_same_seq_both_keep_their_segment(resident):
    session = session_start(user=resident, engine="offline", consent=True)
    first = segment_append(session_id=session.pk, result=final("a"), seq=1)
    second = segment_append(session_id=session.pk, result=final("b"), seq=1)
    third = segment_append(session_id=session.pk, result=final("c"))
    assert (first.seq, second.seq, third.seq) == (1, 2, 3)
    stored = list(session.segments.order_by("seq").values_list("seq", "text"))
    assert stored == [(1, "a"), (2, "b"), (3, "c")]


def test_the_text_is_encrypted_at_rest(resident):
    from django.db import connection

    session = session_start(user=resident, engine="offline", consent=True)
    segment = segment_append(session_id=session.pk, result=final("chest pain"))
    with connection.cursor() as cursor:
        cursor.execute(
            "select text from transcription_transcriptsegment where id = %s",
            [segment.pk],
        )
        (raw,) = cursor.fetchone()
    assert "chest pain" not in raw and raw.startswith("fernet:")


def test_no_session_without_consent_or_the_feature(resident, resident2):
    with pytest.raises(ConsentRequired):
        session_start(user=resident, engine="offline", consent=False)
    with pytest.raises(ForbiddenError):
        session_start(user=resident2, engine="offline", consent=True)


def test_a_physician_records_without_an_institution(physician):
    session = session_start(user=physician, engine="offline", consent=True)
    assert session.institution is None and session.consent_confirmed_by == physician


def test_reading_someone_elses_transcript_is_an_audited_service(resident, attending):
    session = session_start(user=resident, engine="offline", consent=True)
    segment_append(session_id=session.pk, result=final("a"), seq=1)
    own = transcript_read(user=resident, session=session)
    assert [s.text for s in own] == ["a"]
    assert not AuditLog.objects.filter(action="TRANSCRIPT_VIEWED").exists()
    transcript_read(user=attending, session=session, ip_address="10.0.0.9")
    [row] = AuditLog.objects.filter(action="TRANSCRIPT_VIEWED")
    assert (row.actor, row.target_id, row.ip_address) == (
        attending,
        str(session.pk),
        "10.0.0.9",
    )


@pytest.mark.parametrize(
    "module",
    [
        "accounts.selectors",
        "institutions.selectors",
        "transcription.selectors",
        "templates_app.selectors",
    ],
)
def test_selectors_only_read(module):
    """A read that writes (an audit row, a row) is a service, not a selector."""
    source = inspect.getsource(importlib.import_module(module))
    assert "audit_record" not in source
    assert ".save(" not in source and ".create(" not in source
