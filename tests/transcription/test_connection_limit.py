"""The per-user socket limit holds across worker processes (Redis)."""

import asyncio
import json
import time

import pytest
import websockets
from channels.db import database_sync_to_async

from tests.browser import live_server
from tests.waiting import DEADLINE, eventually_async, within
from transcription import connections
from transcription.services.sockets import ticket_issue

pytestmark = pytest.mark.redis


@pytest.fixture
def clean_redis(settings):
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(connections.PREFIX + "*"):
        client.delete(key)
    yield
    for key in client.scan_iter(connections.PREFIX + "*"):
        client.delete(key)


async def _open(base: str, user) -> websockets.ClientConnection:
    token, _ = await database_sync_to_async(ticket_issue)(user=user)
    url = base.replace("http://", "ws://") + f"/ws/transcribe/?ticket={token}"
    return await websockets.connect(
        url, origin="http://127.0.0.1", open_timeout=DEADLINE
    )


async def _closed_with(ws) -> tuple[int, dict]:
    message = json.loads(await within(ws.recv()))
    with pytest.raises(websockets.ConnectionClosed):
        await within(ws.recv())
    return ws.close_code, message


async def _slots_become(count: int) -> bool:
    """Whether the sockets open in every process come to `count` (a state Redis
    holds, not a time to wait)."""

    async def reached():
        return await connections.open_connection_count() == count

    return await eventually_async(reached)


def test_the_limit_counts_sockets_in_every_process(
    transactional_db, resident, clean_redis
):
    env = {"WS_MAX_CONNECTIONS_PER_USER": "2"}
    with live_server(**env) as first, live_server(**env) as second:

        async def scenario():
            a = await _open(first, resident)
            b = await _open(second, resident)
            assert await _slots_become(2)  # both have taken their slots
            refused = await _open(first, resident)
            code, message = await _closed_with(refused)
            assert code == 4429
            assert message["code"] == "too_many_connections"
            refused_too = await _open(second, resident)
            assert (await _closed_with(refused_too))[0] == 4429
            await a.close()
            assert await _slots_become(1)  # its process frees the slot
            c = await _open(second, resident)
            assert await _slots_become(2)  # it took the freed slot: open, not refused
            assert c.close_code is None
            await b.close()
            await c.close()

        asyncio.run(scenario())


async def test_a_crashed_processs_slots_expire(settings, clean_redis, monkeypatch):
    settings.WS_MAX_CONNECTIONS_PER_USER = 2
    monkeypatch.setattr(connections, "SLOT_SECONDS", 1)
    assert await connections.slot_acquire(user_id=41)
    assert await connections.slot_acquire(user_id=41)
    assert await connections.slot_acquire(user_id=41) is None
    assert await connections.open_connection_count() == 2
    await asyncio.sleep(1.2)  # nobody refreshed them: the process is gone
    assert await connections.open_connection_count() == 0
    assert await connections.slot_acquire(user_id=41)


async def test_an_open_socket_keeps_its_slot_by_refreshing(
    settings, clean_redis, monkeypatch
):
    settings.WS_MAX_CONNECTIONS_PER_USER = 1
    monkeypatch.setattr(connections, "SLOT_SECONDS", 2)
    slot = await connections.slot_acquire(user_id=42)
    # Refreshed (more often than it expires) until well past the slot's first expiry;
    # then the slot is still held. Checked right after a refresh: a busy machine's
    # slow sleep cannot let it lapse before the check.
    past_first_expiry = time.time() + 3
    while time.time() < past_first_expiry:
        await connections.slot_refresh(user_id=42, slot=slot)
        await asyncio.sleep(0.2)
    await connections.slot_refresh(user_id=42, slot=slot)
    assert await connections.slot_acquire(user_id=42) is None
    await connections.slot_release(user_id=42, slot=slot)
    assert await connections.slot_acquire(user_id=42)
