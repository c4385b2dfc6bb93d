"""`final_store`: a live socket's final stored once, whatever the database does
(retried while it is away, idempotent on the session and `seq`)."""

import asyncio
import threading

import pytest
from channels.db import database_sync_to_async

from tests.services import require_postgres
from tests.transcription.factories import SessionFactory
from tests.transcription.faults import take_test_database_away
from tests.waiting import DEADLINE
from transcription.engines import Result
from transcription.models import TranscriptionSession, TranscriptSegment
from transcription.protocol import UNAVAILABLE, refusal_for
from transcription.services import segments
from transcription.services.segments import (
    StorageUnavailable,
    final_store,
    segment_append,
)

pytestmark = pytest.mark.django_db(transaction=True)


def final(text: str, start_ms: int = 0) -> Result:
    return Result(text=text, is_final=True, start_ms=start_ms, end_ms=start_ms + 900)


@database_sync_to_async
def a_session(user) -> int:
    status = TranscriptionSession.Status.RECORDING
    return SessionFactory(owner=user, status=status).pk


@database_sync_to_async
def stored(session_id) -> list[tuple[int, str]]:
    return list(
        TranscriptSegment.objects.filter(session_id=session_id)
        .order_by("seq")
        .values_list("seq", "text")
    )


class Delays:
    """The `on_delay` a socket passes: counts how often it was told."""

    def __init__(self):
        self.told = 0

    async def __call__(self):
        self.told += 1


@pytest.fixture
def test_backend_pid():
    from django.db import connection

    require_postgres()
    connection.ensure_connection()
    return connection.connection.info.backend_pid


async def database_taken_away(pid: int, seconds: float) -> asyncio.Task:
    """The test database away for `seconds` (every backend killed, none let in);
    returns once it is, with the task that brings it back."""
    gone = threading.Event()
    away = asyncio.create_task(
        asyncio.to_thread(take_test_database_away, pid, seconds, gone)
    )
    assert await asyncio.to_thread(gone.wait, DEADLINE)
    return away


async def test_a_final_stored_twice_is_kept_once(resident):
    session_id = await a_session(resident)
    delays = Delays()
    first = await final_store(
        session_id=session_id, result=final("one"), seq=1, on_delay=delays
    )
    again = await final_store(  # a retry whose first answer was lost
        session_id=session_id, result=final("one"), seq=1, on_delay=delays
    )
    assert (first.pk, first.seq) == (again.pk, 1)
    assert await stored(session_id) == [(1, "one")]
    assert delays.told == 0


async def test_a_final_is_one_statement_in_autocommit_even_when_its_number_moved(
    resident,
):
    """A socket's store is a bare INSERT, its own transaction (one round trip; a
    BEGIN and a COMMIT around it were two more waits per final, and at 200 sockets
    the stores fell behind). A number another socket took still moves it on."""
    session_id = await a_session(resident)
    await database_sync_to_async(segment_append)(
        session_id=session_id, result=final("theirs", 0), seq=1
    )
    inserts = []

    def watch(execute, sql, params, many, context):
        if sql.startswith("INSERT"):
            connection = context["connection"]
            inserts.append((connection.get_autocommit(), connection.in_atomic_block))
        return execute(sql, params, many, context)

    @database_sync_to_async
    def store_watched():
        from django.db import connection

        with connection.execute_wrapper(watch):
            return segment_append(
                session_id=session_id, result=final("ours", 1000), seq=1
            )

    assert (await store_watched()).seq == 2
    assert inserts == [(True, False), (True, False)]  # seq 1 refused, then 2
    assert await stored(session_id) == [(1, "theirs"), (2, "ours")]


async def test_a_retry_after_its_number_moved_on_finds_its_own_segment(resident):
    session_id = await a_session(resident)
    # Another socket of the session (a resume racing the old one) took seq 1.
    await database_sync_to_async(segment_append)(
        session_id=session_id, result=final("theirs", 0), seq=1
    )
    ours = final("ours", 1000)
    moved = await final_store(
        session_id=session_id, result=ours, seq=1, on_delay=Delays()
    )
    retried = await final_store(
        session_id=session_id, result=ours, seq=1, on_delay=Delays()
    )
    assert moved.seq == retried.seq == 2
    assert await stored(session_id) == [(1, "theirs"), (2, "ours")]


async def test_a_final_waits_through_a_database_blip_and_is_stored_once(
    resident, test_backend_pid
):
    session_id = await a_session(resident)
    delays = Delays()
    away = await database_taken_away(test_backend_pid, 3)
    segment = await final_store(
        session_id=session_id, result=final("kept"), seq=1, on_delay=delays
    )
    assert await away >= 1
    assert segment.seq == 1
    assert delays.told == 1  # the page heard "catching up" once
    assert await stored(session_id) == [(1, "kept")]


async def test_the_database_away_past_the_window_is_a_4503_and_nothing_is_stored_twice(
    resident, test_backend_pid, monkeypatch
):
    session_id = await a_session(resident)
    monkeypatch.setattr(segments, "RETRY_WINDOW", 1.0)
    away = await database_taken_away(test_backend_pid, 4)
    with pytest.raises(StorageUnavailable) as refused:
        await final_store(
            session_id=session_id, result=final("later"), seq=1, on_delay=Delays()
        )
    assert refusal_for(refused.value) == ("storage_unavailable", UNAVAILABLE)
    assert "sends it when it reconnects" in refused.value.message
    await away
    monkeypatch.undo()
    # The page resends what was not acknowledged (a try that outlived the window
    # may have stored it meanwhile): it is stored once.
    for _ in range(2):
        await final_store(
            session_id=session_id, result=final("later"), seq=1, on_delay=Delays()
        )
    assert await stored(session_id) == [(1, "later")]
