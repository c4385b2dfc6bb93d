"""Where a final is stored: the session's next `seq`, exactly once, even when two
sockets of one session race, a commit's answer is lost or the database is away for a
while (`final_store`, the live socket's one call).

One INSERT per final, on a thread of the loop's executor. A process-wide batcher (finals of
every socket gathered 20 ms into one INSERT) was measured against it and dropped:
`bench/ws.py --seconds 20 --ramp 5 --skip-relay`, 2026-12-07, a shared 2-core machine,
p99 relay 482 ms direct vs 992 ms batched at 30 sessions (0 vs 53 frames unanswered),
2585 vs 3261 ms at 100 (0 vs 907): the batches' hand-offs cost more than they saved.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from channels.db import database_sync_to_async
from django.db import IntegrityError, transaction
from django.db.models import Max

from noumaris.common.db import pool_sweep
from noumaris.common.errors import ConflictError, ServiceUnavailableError
from transcription.engines import Result
from transcription.engines.words import dumps as words_dumps
from transcription.models import TranscriptSegment

logger = logging.getLogger(__name__)

# While the database is away a final is retried RETRY_FIRST seconds later, doubling
# to RETRY_MAX, for at most RETRY_WINDOW seconds; a store slower than SLOW_SECONDS
# (the pool waiting for a connection) is reported as a delay too.
RETRY_FIRST = 0.25
RETRY_MAX = 4.0
RETRY_WINDOW = 45.0
SLOW_SECONDS = 1.0


class StorageUnavailable(ServiceUnavailableError):
    """The database stayed away for the whole retry window."""


async def final_store(
    *,
    session_id: int,
    result: Result,
    seq: int,
    on_delay: Callable[[], Awaitable[None]],
) -> TranscriptSegment:
    """Store a live socket's final as `seq` (see `segment_append`), retrying while
    the database is away; past `RETRY_WINDOW`, `StorageUnavailable`.

    A retry after a commit whose answer was lost (or a try still running when the
    window ended) finds its own segment, so nothing is stored twice. `on_delay` is
    awaited once, when the store is first slow or fails.
    """
    loop = asyncio.get_running_loop()
    gives_up, delay, told = loop.time() + RETRY_WINDOW, RETRY_FIRST, False
    swept = False

    async def tell():
        nonlocal told
        if not told:
            told = True
            await on_delay()

    while True:
        try:
            return await _store_until(
                session_id=session_id,
                result=result,
                seq=seq,
                gives_up=gives_up,
                on_slow=tell,
            )
        except Exception as error:  # TimeoutError too: the window is over
            if loop.time() >= gives_up:
                raise StorageUnavailable(
                    f"The transcript could not be saved for {RETRY_WINDOW:.0f} s. "
                    "Your page keeps what was not saved and sends it when it "
                    "reconnects."
                ) from error
            logger.warning("A final could not be stored; retrying", exc_info=True)
        await tell()
        if not swept:  # the pool's dead connections replaced at once
            swept = True
            with contextlib.suppress(Exception):
                await _pool_sweep()
        await asyncio.sleep(max(0.0, min(delay, gives_up - loop.time())))
        delay = min(RETRY_MAX, delay * 2)


async def _store_until(
    *, session_id: int, result: Result, seq: int, gives_up: float, on_slow
) -> TranscriptSegment:
    """One try at `segment_append`, given up at `gives_up` (loop time); `on_slow`
    is awaited when it takes `SLOW_SECONDS`."""
    store = asyncio.ensure_future(
        _segment_append(session_id=session_id, result=result, seq=seq)
    )
    try:
        done, _ = await asyncio.wait([store], timeout=SLOW_SECONDS)
        if not done:
            await on_slow()
        async with asyncio.timeout_at(gives_up):
            return await store
    finally:
        store.cancel()  # the window is over, or the socket has gone


def segment_append(
    *, session_id: int, result: Result, seq: int | None = None
) -> TranscriptSegment:
    """Store a final segment as the session's next `seq` (one INSERT, in one round
    trip outside a transaction, when `seq`, the caller's expected next number, is
    right).

    Two sockets of one session (a resume racing the old socket's last results) may
    both expect the same number: the unique constraint refuses the second, which then
    takes the next free number, so no segment is lost or numbered twice.
    """
    for _ in range(10):
        if seq is None:
            last = TranscriptSegment.objects.filter(session_id=session_id).aggregate(
                last=Max("seq")
            )["last"]
            seq = (last or 0) + 1
        segment = segment_build(session_id=session_id, result=result, seq=seq)
        try:
            return _insert(segment)
        except IntegrityError:
            stored = _segment_stored(session_id=session_id, seq=seq, result=result)
            if stored is not None:
                return stored
            seq = None
    raise ConflictError("Could not number the transcript segment; try again.")


def _insert(segment: TranscriptSegment) -> TranscriptSegment:
    """INSERT `segment`. In autocommit (a socket's store) the statement is its own
    transaction: one round trip to the database, where `atomic()` adds a BEGIN and
    a COMMIT (three, each a wait for the GIL on a busy server: the live socket's
    stores fell behind at 200 sockets). Inside a caller's transaction, a savepoint,
    so that a refused number leaves that transaction usable (Django's docs:
    "Handling exceptions within PostgreSQL transactions")."""
    if transaction.get_autocommit():
        segment.save(force_insert=True)
        return segment
    with transaction.atomic():
        segment.save(force_insert=True)
    return segment


# On the loop's executor (a few threads), not the socket's own: a final is the hot
# path, every second of every socket, and hundreds of threads contending for the GIL
# would slow the event loop. A socket awaits each final before the next: in order.
_segment_append = database_sync_to_async(segment_append, thread_sensitive=False)
_pool_sweep = database_sync_to_async(pool_sweep)


def _segment_stored(
    *, session_id: int, seq: int, result: Result
) -> TranscriptSegment | None:
    """The segment holding `result` at `seq` or later: a retry of a store whose
    commit went through while its answer was lost (a database blip), not a number
    taken by another socket (the first try may have moved past one)."""
    candidates = TranscriptSegment.objects.filter(  # the text is encrypted
        session_id=session_id,
        seq__gte=seq,
        start_ms=max(0, result.start_ms),
        end_ms=max(0, result.end_ms),
    ).order_by("seq")
    return next((s for s in candidates if s.text == result.text), None)


def segment_build(*, session_id: int, result: Result, seq: int) -> TranscriptSegment:
    return TranscriptSegment(
        session_id=session_id,
        seq=seq,
        speaker=result.speaker,
        start_ms=max(0, result.start_ms),
        end_ms=max(0, result.end_ms),
        text=result.text,
        confidence=result.confidence,
        heard_text=result.heard,
        words=words_dumps(result.words),
    )
