"""The process's segment writer: finals of many sockets, stored in batches."""

import asyncio

import pytest
from channels.db import database_sync_to_async

from tests.transcription.factories import SessionFactory
from transcription.engines import Result
from transcription.models import TranscriptionSession, TranscriptSegment
from transcription.writer import segment_store

pytestmark = pytest.mark.django_db(transaction=True)


def final(text: str) -> Result:
    return Result(text=text, is_final=True, start_ms=0, end_ms=100)


@database_sync_to_async
def start_sessions(user, n):
    return [
        SessionFactory(owner=user, status=TranscriptionSession.Status.RECORDING).pk
        for _ in range(n)
    ]


@database_sync_to_async
def stored(session_ids):
    return {
        session_id: list(
            TranscriptSegment.objects.filter(session_id=session_id)
            .order_by("seq")
            .values_list("seq", "text")
        )
        for session_id in session_ids
    }


async def test_many_sockets_finals_are_all_stored_in_order(resident):
    sessions = await start_sessions(resident, 20)

    async def socket(session_id):  # one socket: each final awaited before the next
        seqs = []
        for n in range(1, 6):
            segment = await segment_store(
                session_id=session_id, result=final(f"{session_id}-{n}"), seq=n
            )
            seqs.append(segment.seq)
        return seqs

    results = await asyncio.gather(*(socket(pk) for pk in sessions))
    assert results == [[1, 2, 3, 4, 5]] * 20
    assert await stored(sessions) == {
        pk: [(n, f"{pk}-{n}") for n in range(1, 6)] for pk in sessions
    }


async def test_a_final_that_cannot_be_stored_fails_only_its_own_socket(resident):
    (session_id,) = await start_sessions(resident, 1)
    good, bad = await asyncio.gather(
        segment_store(session_id=session_id, result=final("kept"), seq=1),
        segment_store(session_id=session_id + 1000, result=final("lost"), seq=1),
        return_exceptions=True,
    )
    assert good.seq == 1
    assert isinstance(bad, Exception)
    assert await stored([session_id]) == {session_id: [(1, "kept")]}
