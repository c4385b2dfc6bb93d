"""Following a draft job: its events as server-sent events, rejoinable with
`Last-Event-ID`, under WSGI or ASGI."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async

from templates_app.drafting.jobs import draft_jobs_reap
from templates_app.models import DraftEvent, DraftJob
from templates_app.selectors import draft_events_after

POLL_SECONDS = 0.1  # a follower's look for new events
LIVENESS_EVERY = 2.0  # a follower's look at whether the job's worker still beats
KEEPALIVE_EVERY = 15.0  # a comment line, so proxies keep an idle stream open
STREAM_MAX_SECONDS = 600  # then the stream ends; EventSource rejoins on its own

SSE_HEADERS = {
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",  # tell nginx-like proxies not to buffer the stream
}


def sse_frame(event: DraftEvent) -> bytes:
    return f"id: {event.seq}\nevent: {event.kind}\ndata: {event.data}\n\n".encode()


class _Follower:
    """One page's view of a job's events: what it has had, and when to look again."""

    def __init__(self, job: DraftJob, after: int):
        self.job_id, self.last = job.pk, after
        self.started = self.alive_look = self.sent_at = time.monotonic()

    def poll(self) -> tuple[list[bytes], bool]:
        """The frames since the last poll, and whether the stream should end."""
        events = draft_events_after(job_id=self.job_id, after=self.last)
        now = time.monotonic()
        frames = [sse_frame(e) for e in events]
        if events:
            self.last, self.sent_at = events[-1].seq, now
            return frames, events[-1].kind == "done"
        if now - self.alive_look >= LIVENESS_EVERY:
            self.alive_look = now
            draft_jobs_reap(job_id=self.job_id)
        if now - self.sent_at >= KEEPALIVE_EVERY:
            self.sent_at = now
            frames.append(b": keepalive\n\n")
        return frames, now - self.started >= STREAM_MAX_SECONDS


def draft_stream_is_over(*, job: DraftJob, after: int) -> bool:
    """A finished job whose events the page already has all of: nothing to stream."""
    return not job.is_active and after >= job.last_seq


def draft_stream(*, job: DraftJob, after: int) -> Iterator[bytes]:
    """The events after `after`, then live ones until `done` (under WSGI)."""
    yield b"retry: 1000\n\n"
    follower = _Follower(job, after)
    while True:
        frames, over = follower.poll()
        yield from frames
        if over:
            return
        time.sleep(POLL_SECONDS)


async def adraft_stream(*, job: DraftJob, after: int) -> AsyncIterator[bytes]:
    """The same stream for an ASGI server: ORM work off the event loop."""
    yield b"retry: 1000\n\n"
    follower = _Follower(job, after)
    poll = sync_to_async(follower.poll)
    while True:
        frames, over = await poll()
        for frame in frames:
            yield frame
        if over:
            return
        await asyncio.sleep(POLL_SECONDS)
