"""Final segments of every socket in this process, stored in batches.

Each socket awaits its own final before sending it (the client's `seq` means
"stored"), so a socket has at most one segment in flight, and its order holds. A batch
gathers for `GATHER_SECONDS` after its first segment, and the next gathers while one is
written: one transaction and one hop to a database thread per batch, instead of one
per segment, whatever the number of sockets.
"""

import asyncio
import contextlib
import logging
import weakref

from channels.db import database_sync_to_async

from noumaris.common.db import pool_sweep
from transcription.engines import Result
from transcription.models import TranscriptSegment
from transcription.services.segments import segments_append

logger = logging.getLogger(__name__)

MAX_BATCH = 500
# How long a batch gathers after its first segment: finals reach the screen this much
# later (imperceptible), and a busy process writes several sockets' finals per INSERT.
GATHER_SECONDS = 0.02

# Its own thread (the loop's executor), not Channels' shared database thread: finals
# never wait behind other sockets' connects and status saves. One batch at a time,
# so one thread at a time.
_segments_append = database_sync_to_async(segments_append, thread_sensitive=False)
_pool_sweep = database_sync_to_async(pool_sweep, thread_sensitive=False)


class SegmentWriter:
    def __init__(self) -> None:
        self.pending: list[tuple[tuple[int, Result, int], asyncio.Future]] = []
        self.wake = asyncio.Event()
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def store(
        self, *, session_id: int, result: Result, seq: int
    ) -> TranscriptSegment:
        future = asyncio.get_running_loop().create_future()
        self.pending.append(((session_id, result, seq), future))
        self.wake.set()
        return await future

    async def _run(self) -> None:
        while True:
            await self.wake.wait()
            await asyncio.sleep(GATHER_SECONDS)
            self.wake.clear()
            while self.pending:
                batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
                try:
                    outcomes = await _segments_append(items=[item for item, _ in batch])
                except Exception as error:  # e.g. no database connection at all
                    logger.exception("A batch of final segments could not be stored")
                    outcomes = [error] * len(batch)
                    # Replace the pool's dead connections now, not one per retry.
                    with contextlib.suppress(Exception):
                        await _pool_sweep()
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if future.done():  # its socket has gone
                        continue
                    if isinstance(outcome, Exception):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)


_writers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SegmentWriter]" = (
    weakref.WeakKeyDictionary()
)


def segment_store(*, session_id: int, result: Result, seq: int):
    """Store a final through this event loop's writer; await the stored segment."""
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None or writer.task.done():
        writer = _writers[loop] = SegmentWriter()
    return writer.store(session_id=session_id, result=result, seq=seq)
