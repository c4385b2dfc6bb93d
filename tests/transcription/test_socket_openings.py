"""Sockets opening and closing stay off the path of those already recording
(issue 29): each socket's database work on its own thread, a bounded number of
openings at once, the rest told to wait, and few statements per opening and stop."""

import asyncio

import pytest
from django.db import connections as databases

from accounts.services import _AUDIT_CHAIN_LOCK
from tests.services import require_postgres
from tests.transcription.conftest import (
    connected,
    frames,
    receive,
    receive_until,
    send,
    socket_for,
    start_message,
)
from tests.transcription.faults import lock_held, lock_waiters
from tests.waiting import DEADLINE, eventually_async
from transcription import connections
from transcription.services.sessions import recording_open, session_stop

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def many_sockets(instant_engine, settings):
    settings.WS_MAX_CONNECTIONS_PER_USER = 20
    settings.TRANSCRIPTION_SESSIONS_PER_MINUTE = 100


async def waiters_are(count: int) -> bool:
    """Whether `count` openings wait for the audit chain's lock now."""
    return await asyncio.to_thread(lock_waiters, _AUDIT_CHAIN_LOCK) == count


async def opened(user):
    ws = socket_for(user)
    connected, _ = await ws.connect()
    assert connected
    await send(ws, start_message())
    return ws


async def first_messages(sockets, count: int) -> list[dict]:
    """The first message of each socket that sent one, once at least `count` have
    (the others, stuck in the database, send none)."""
    reads = [asyncio.create_task(receive(ws)) for ws in sockets]
    done: set = set()
    while len(done) < count:
        finished, _ = await asyncio.wait(
            [read for read in reads if read not in done],
            timeout=DEADLINE,
            return_when=asyncio.FIRST_COMPLETED,
        )
        assert finished, "no socket answered"
        done |= finished
    for read in reads:
        if read not in done:
            read.cancel()  # its message stays queued for the socket's next read
    return [read.result() for read in reads if read in done]


async def test_a_wave_of_openings_does_not_hold_up_a_recording_socket(
    resident, many_sockets, settings
):
    require_postgres()
    settings.WS_OPENINGS_AT_ONCE = 2
    recording = await opened(resident)
    assert (await receive(recording))["type"] == "ready"
    await receive(recording)  # recording
    # Every new session's audit row waits for a lock another connection holds:
    # the openings are stuck in the database, as under a slow one.
    with lock_held(_AUDIT_CHAIN_LOCK):
        wave = [await opened(resident) for _ in range(6)]
        assert await eventually_async(lambda: waiters_are(2))
        # The four without a place were told they wait (those that waited for a
        # place they then took, too).
        firsts = await first_messages(wave, 4)
        assert {m["state"] for m in firsts} == {"waiting"}
        # Meanwhile the open socket's frames are answered and its finals stored.
        for frame in frames(0, 20):
            await recording.send_to(bytes_data=frame)
        answers = []
        while [m.get("seq") for m in answers if m.get("is_final")] != [1, 2]:
            answers.append(await receive(recording))
        interims = [m for m in answers if not m["is_final"]]
        assert interims
        assert lock_waiters(_AUDIT_CHAIN_LOCK) == 2  # the openings still stuck
    for ws in wave:  # the lock gone, every opening goes through in turn
        assert (await receive_until(ws, "ready"))[-1]["type"] == "ready"
    for ws in [recording, *wave]:
        await ws.disconnect()


async def test_an_opening_kept_waiting_too_long_closes_4503_busy(
    resident, many_sockets, settings, monkeypatch
):
    require_postgres()
    settings.WS_OPENINGS_AT_ONCE = 1
    monkeypatch.setattr(connections, "OPENING_WAIT_SECONDS", 0.5)
    with lock_held(_AUDIT_CHAIN_LOCK):
        first = await opened(resident)
        assert await eventually_async(lambda: waiters_are(1))
        second = await opened(resident)
        messages = await receive_until(second, "error")
        assert messages[0]["state"] == "waiting"
        assert messages[-1]["code"] == "busy"
        assert "try again in a moment" in messages[-1]["message"]
        output = await second.receive_output(DEADLINE)
        assert output == {"type": "websocket.close", "code": 4503}
    assert (await receive_until(first, "ready"))[-1]["type"] == "ready"
    for ws in (first, second):
        await ws.disconnect()


def checked_out() -> int:
    """How many of the pool's connections are out now."""
    stats = databases["default"].pool.get_stats()
    return stats["pool_size"] - stats["pool_available"]


async def test_sockets_opened_and_closed_in_turn_return_their_connections(
    resident, many_sockets
):
    require_postgres()
    pool_max = databases["default"].pool.max_size
    before = checked_out()
    for _ in range(pool_max + 2):  # each on a thread of its own, ended with it
        async with connected(resident) as ws:
            await send(ws, start_message())
            assert (await receive_until(ws, "ready"))[-1]["type"] == "ready"
    assert checked_out() <= before


def test_an_opening_and_a_stop_cost_few_statements(resident, django_assert_num_queries):
    # A new recording, in one transaction (BEGIN, COMMIT: 2): the feature (1),
    # sessions this minute (1), the institution (1), the session (1), the audit
    # chain's lock, last hash and row (3); the vocabulary comes with the institution.
    with django_assert_num_queries(9):
        opening = recording_open(
            user=resident,
            session_id=None,
            engine="offline",
            language="en",
            label="Bed 1",
            consent=True,
            ip_address=None,
        )
    # A resume: the feature (1), the session with its institution (1), whether a
    # signed note froze it (1), its last segment (1).
    with django_assert_num_queries(4):
        resumed = recording_open(
            user=resident,
            session_id=opening.session.pk,
            engine="offline",
            language="en",
            label="",
            consent=None,
            ip_address=None,
        )
    assert (resumed.session.pk, resumed.last_seq, resumed.resumed) == (
        opening.session.pk,
        0,
        True,
    )
    # A stop, in one transaction (2): the session locked with its institution (1),
    # saved (1), audited (3).
    with django_assert_num_queries(7):
        session_stop(user=resident, session_id=opening.session.pk)
