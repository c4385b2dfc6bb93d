"""Writes of the transcription app."""

import pytest

from noumaris.errors import ForbiddenError
from transcription import services
from transcription.engines import Result

pytestmark = pytest.mark.django_db


def final(text: str) -> Result:
    return Result(text=text, is_final=True, start_ms=0, end_ms=100)


def test_two_writers_expecting_the_same_seq_both_keep_their_segment(resident):
    session = services.session_start(user=resident, engine="offline", consent=True)
    first = services.segment_append(session_id=session.pk, result=final("a"), seq=1)
    second = services.segment_append(session_id=session.pk, result=final("b"), seq=1)
    third = services.segment_append(session_id=session.pk, result=final("c"))
    assert (first.seq, second.seq, third.seq) == (1, 2, 3)
    stored = list(session.segments.order_by("seq").values_list("seq", "text"))
    assert stored == [(1, "a"), (2, "b"), (3, "c")]


def test_the_text_is_encrypted_at_rest(resident):
    from django.db import connection

    session = services.session_start(user=resident, engine="offline", consent=True)
    segment = services.segment_append(session_id=session.pk, result=final("chest pain"))
    with connection.cursor() as cursor:
        cursor.execute(
            "select text from transcription_transcriptsegment where id = %s",
            [segment.pk],
        )
        (raw,) = cursor.fetchone()
    assert "chest pain" not in raw and raw.startswith("fernet:")


def test_no_session_without_consent_or_the_feature(resident, resident2):
    with pytest.raises(services.ConsentRequired):
        services.session_start(user=resident, engine="offline", consent=False)
    with pytest.raises(ForbiddenError):
        services.session_start(user=resident2, engine="offline", consent=True)


def test_a_physician_records_without_an_institution(physician):
    session = services.session_start(user=physician, engine="offline", consent=True)
    assert session.institution is None and session.consent_confirmed_by == physician
