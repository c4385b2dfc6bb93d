"""Following a draft job: its stored events as server-sent events, rejoinable.

A stream sends the events after `Last-Event-ID`, then the new ones as they are
written, then `done`, and ends. Three rules keep a thousand of them cheap:

- It holds no database connection between reads. Each read (one indexed range
  query) gives its connection back to the pool at once, so streams open for ten
  minutes never starve a recording of a connection.
- It ends when the job does. A `Last-Event-ID` past the job's last event counts from
  that last event, so the stream still sees `done`.
- It reads when told. Every stored write of the runner is published, after its
  commit, on the Redis channel of the job (`_topic`: its Redis and PostgreSQL
  databases and its id) with the events themselves;
  a stream subscribed to it sends them as they come, and reads the store only at the
  start, after a gap in the numbers, and every FALLBACK_SECONDS (a lost message, and
  the look that frees the note of a dead worker). Without Redis (`make run`) it looks
  every POLL_SECONDS instead. (Redis pub/sub rather than the channel layer's
  groups: channels-redis' receive, left waiting by a stream between messages, is not
  safe to interrupt.)
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator

import redis
import redis.asyncio as aredis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from redis.exceptions import RedisError

from templates_app.models import DraftEvent, DraftJob
from templates_app.selectors import draft_events_after

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.1  # a stream's look for new events, without Redis
FALLBACK_SECONDS = 2.0  # a stream's own look, with Redis (a lost announcement)
LIVENESS_EVERY = 2.0  # a stream's look at whether the job's worker still beats
KEEPALIVE_EVERY = 15.0  # a comment line, so proxies keep an idle stream open
STREAM_MAX_SECONDS = 600  # then the stream ends; EventSource rejoins on its own

SSE_HEADERS = {
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",  # tell nginx-like proxies not to buffer the stream
}


def _topic(job_id: int) -> str:
    """The job's channel. Redis pub/sub ignores database numbers (a message
    published on one is heard on all), and a job's id is unique only within its
    own PostgreSQL database: two deployments sharing a Redis server (staging and
    production on databases 0 and 1, or the test suite's parallel workers) would
    otherwise hear each other's drafts, note text included. The channel names the
    Redis database and the PostgreSQL database the job lives in."""
    db = connection.settings_dict
    redis_db = redis.connection.parse_url(settings.REDIS_URL).get("db", 0)
    place = f"{db.get('HOST') or ''}:{db.get('PORT') or ''}/{db['NAME']}"
    return f"noumaris:{redis_db}:{place}:draft-job:{job_id}"


@functools.cache
def _publisher() -> redis.Redis:
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
    )


def draft_announce(*, job_id: int, events: list[tuple[int, str, str]]) -> None:
    """Hand the job's streams the events just stored ((seq, kind, data) each), after
    their commit; a stream that missed them reads the store instead."""
    if not settings.REDIS_URL:
        return
    try:
        _publisher().publish(_topic(job_id), json.dumps(events))
    except RedisError:  # a stream looks on its own within FALLBACK_SECONDS anyway
        logger.warning("draft job %s: its events were not announced", job_id)


def _frame(seq: int, kind: str, data: str) -> bytes:
    return f"id: {seq}\nevent: {kind}\ndata: {data}\n\n".encode()


def sse_frame(event: DraftEvent) -> bytes:
    return _frame(event.seq, event.kind, event.data)


def draft_stream_is_over(*, job: DraftJob, after: int) -> bool:
    """A finished job whose events the page already has all of: nothing to stream."""
    return not job.is_active and after >= job.last_seq


class _Follower:
    """One page's view of a job's events: what it has had, and when to look again."""

    def __init__(self, job: DraftJob, after: int):
        self.job_id, self.last = job.pk, min(after, job.last_seq)
        self.started = self.alive_look = self.sent_at = time.monotonic()

    def read(self) -> tuple[list[bytes], bool]:
        """The frames since the last read, and whether the stream should end; the
        connection goes back to the pool before the answer does."""
        try:
            return self._poll()
        finally:
            _give_back()

    def _poll(self) -> tuple[list[bytes], bool]:
        from templates_app.drafting.jobs import draft_jobs_reap

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

    def told(self, message: dict) -> tuple[list[bytes], bool] | None:
        """The frames an announcement brings, and whether the stream should end;
        None when it does not follow on from what was sent (read the store)."""
        events = [e for e in message.get("events", ()) if e[0] > self.last]
        if events and events[0][0] != self.last + 1:
            return None
        now = time.monotonic()
        if events:
            self.last, self.sent_at = events[-1][0], now
        over = bool(events) and events[-1][1] == "done"
        return [_frame(*e) for e in events], over or now - self.started >= (
            STREAM_MAX_SECONDS
        )


def _give_back() -> None:
    """Return this thread's connection to the pool (a test's transaction keeps it)."""
    if not connection.in_atomic_block:
        connection.close()


def draft_stream(*, job: DraftJob, after: int) -> Iterator[bytes]:
    """The events after `after`, then live ones until `done` (under WSGI: a look
    every POLL_SECONDS, each read on a connection given straight back)."""
    yield b"retry: 1000\n\n"
    follower = _Follower(job, after)
    while True:
        frames, over = follower.read()
        yield from frames
        if over:
            return
        time.sleep(POLL_SECONDS)


async def adraft_stream(*, job: DraftJob, after: int) -> AsyncIterator[bytes]:
    """The same stream for an ASGI server: live events as they are published, the
    store read at the start, after a gap and every FALLBACK_SECONDS; ORM work off
    the event loop, on a bounded pool of threads."""
    # The request's own thread took a connection for the view (and the session);
    # it goes back now, not when the stream ends.
    await sync_to_async(_give_back)()
    yield b"retry: 1000\n\n"
    follower = _Follower(job, after)
    read = sync_to_async(follower.read, thread_sensitive=False)
    subscription = await _subscribe(job.pk)  # before the first read: no gap
    try:
        frames, over = await read()
        while True:
            for frame in frames:
                yield frame
            if over:
                return
            message = await _announcement(subscription)
            told = follower.told(message) if message else None
            frames, over = told if told is not None else await read()
    finally:
        if subscription is not None:
            with contextlib.suppress(RedisError):
                await subscription.aclose()


async def _subscribe(job_id: int):
    """The stream's subscription to its job's events; None without Redis."""
    if not settings.REDIS_URL:
        return None
    subscription = aredis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=2
    ).pubsub(ignore_subscribe_messages=True)
    try:
        await subscription.subscribe(_topic(job_id))
    except RedisError:
        logger.warning("draft job %s: following without Redis", job_id)
        with contextlib.suppress(RedisError):
            await subscription.aclose()
        return None
    return subscription


async def _announcement(subscription) -> dict | None:
    """The job's next published events, or None after FALLBACK_SECONDS (POLL_SECONDS
    without Redis): then the stream reads the store."""
    if subscription is None:
        await asyncio.sleep(POLL_SECONDS)
        return None
    try:
        message = await subscription.get_message(timeout=FALLBACK_SECONDS)
    except RedisError:
        await asyncio.sleep(FALLBACK_SECONDS)
        return None
    if message is None or message.get("type") != "message":
        return None
    return {"events": json.loads(message["data"])}
