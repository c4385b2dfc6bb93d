"""How many live-transcription sockets each user has open, across processes.

With REDIS_URL the slots are members of a sorted set per user, scored by their expiry:
an open socket refreshes its slot every `REFRESH_SECONDS`, so the slots of a process
that crashed free themselves after `SLOT_SECONDS`. Without Redis (one process) a
dictionary in memory does the same job. Error counts for the metrics live here too,
and the bound on the openings this process does at once (`opening`).
"""

import asyncio
import contextlib
import time
import uuid
import weakref
from collections import Counter, defaultdict

from django.conf import settings

from noumaris.common.errors import ServiceUnavailableError

SLOT_SECONDS = 60
REFRESH_SECONDS = 20
PREFIX = "noumaris:ws:"

_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[6])
return 1
"""

OPENING_WAIT_SECONDS = 30

_clients: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_openings: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_local_slots: dict[int, set[str]] = defaultdict(set)
_local_errors: Counter = Counter()


def _redis():
    """One asyncio Redis client per event loop (a client cannot cross loops)."""
    import redis.asyncio as aioredis

    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        client = aioredis.from_url(settings.REDIS_URL, socket_timeout=2)
        _clients[loop] = client
    return client


def _user_key(user_id: int) -> str:
    return f"{PREFIX}user:{user_id}"


async def slot_acquire(*, user_id: int) -> str | None:
    """A slot id, or None when the user already has the maximum open."""
    slot = uuid.uuid4().hex
    limit = settings.WS_MAX_CONNECTIONS_PER_USER
    if not settings.REDIS_URL:
        if len(_local_slots[user_id]) >= limit:
            return None
        _local_slots[user_id].add(slot)
        return slot
    now = time.time()
    granted = await _redis().eval(
        _ACQUIRE,
        2,
        _user_key(user_id),
        PREFIX + "all",
        now,
        now + SLOT_SECONDS,
        limit,
        slot,
        SLOT_SECONDS * 2,
        f"{user_id}:{slot}",
    )
    return slot if granted else None


async def slot_refresh(*, user_id: int, slot: str) -> None:
    if settings.REDIS_URL:
        expiry = time.time() + SLOT_SECONDS
        pipe = _redis().pipeline()
        pipe.zadd(_user_key(user_id), {slot: expiry}, xx=True)
        pipe.expire(_user_key(user_id), SLOT_SECONDS * 2)
        pipe.zadd(PREFIX + "all", {f"{user_id}:{slot}": expiry}, xx=True)
        await pipe.execute()


async def slot_release(*, user_id: int, slot: str) -> None:
    if not settings.REDIS_URL:
        _local_slots[user_id].discard(slot)
        return
    pipe = _redis().pipeline()
    pipe.zrem(_user_key(user_id), slot)
    pipe.zrem(PREFIX + "all", f"{user_id}:{slot}")
    await pipe.execute()


async def open_connection_count() -> int:
    """Sockets open now, in every process."""
    if not settings.REDIS_URL:
        return sum(len(slots) for slots in _local_slots.values())
    client = _redis()
    await client.zremrangebyscore(PREFIX + "all", "-inf", time.time())
    return await client.zcard(PREFIX + "all")


async def error_count(*, code: str) -> None:
    if not settings.REDIS_URL:
        _local_errors[code] += 1
        return
    await _redis().hincrby(PREFIX + "errors", code, 1)


async def error_counts() -> dict[str, int]:
    if not settings.REDIS_URL:
        return dict(_local_errors)
    raw = await _redis().hgetall(PREFIX + "errors")
    return {key.decode(): int(value) for key, value in raw.items()}


class Busy(ServiceUnavailableError):
    """More sockets are opening than this process takes at once, for too long."""


@contextlib.asynccontextmanager
async def opening(*, on_wait):
    """Hold one of this process's `WS_OPENINGS_AT_ONCE` places for an opening's
    database work (a wave of sockets opening must not hold up the frames of those
    already open). When none is free, `on_wait()` is awaited, then a place waited for
    at most `OPENING_WAIT_SECONDS`; after that, `Busy`."""
    loop = asyncio.get_running_loop()
    places = _openings.get(loop)
    if places is None:  # one per event loop: a semaphore cannot cross loops
        places = _openings[loop] = asyncio.Semaphore(settings.WS_OPENINGS_AT_ONCE)
    if places.locked():
        await on_wait()
    try:
        async with asyncio.timeout(OPENING_WAIT_SECONDS):
            await places.acquire()
    except TimeoutError:
        raise Busy(
            f"The server is opening many recordings at once and none was free for "
            f"{OPENING_WAIT_SECONDS} s; try again in a moment."
        ) from None
    try:
        yield
    finally:
        places.release()
