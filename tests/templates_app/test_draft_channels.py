"""A draft's live events are heard only by its own deployment's streams.

Redis pub/sub ignores database numbers: a message published while on database 1 is
heard by a subscriber on database 0. Job ids are unique only within one PostgreSQL
database, so a neighbour deployment on the same Redis server (staging beside
production, or this suite's parallel workers) has a job 1 too. Once its channel was
the same as ours, and a stream took the neighbour's `section_done` and `done` (note
text included) for its own: CI saw a killed worker's draft "finish" that way.
"""

import asyncio
import contextlib
import json

import pytest
import redis
from asgiref.sync import sync_to_async
from django.db import connection
from django.test import override_settings

from templates_app.drafting.jobs import events_store
from templates_app.drafting.stream import _topic, adraft_stream
from templates_app.models import DraftJob
from templates_app.notes.services import note_create
from tests.parallel import worker_redis_url
from tests.waiting import DEADLINE

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _neighbours(job_id: int, settings) -> list[str]:
    """The channels a neighbour's job with the same id is announced on: one on the
    next Redis database, one on another PostgreSQL database."""
    with override_settings(REDIS_URL=worker_redis_url(settings.REDIS_URL, 1)):
        other_redis = _topic(job_id)
    name = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = "noumaris_staging"
    try:
        other_database = _topic(job_id)
    finally:
        connection.settings_dict["NAME"] = name
    return [other_redis, other_database]


def _store(job: DraftJob, kind: str, data: dict) -> None:
    """Store (and, once committed, announce) one event, as the runner does."""
    job.refresh_from_db()
    events_store(job, [(kind, data)])


async def test_a_stream_hears_its_own_job_not_a_neighbours_with_the_same_id(
    transactional_db, resident, encounter, soap, settings
):
    assert settings.REDIS_URL, "this test needs Redis (REQUIRE_SERVICES)"
    note = await sync_to_async(note_create)(
        user=resident, session_id=encounter.pk, template_id=soap.pk
    )
    job = await DraftJob.objects.acreate(
        note=note, requested_by=resident, status=DraftJob.Status.RUNNING
    )
    await sync_to_async(_store)(job, "start", {"note": note.pk})
    frames: asyncio.Queue[bytes] = asyncio.Queue()

    async def page():  # the page's EventSource, reading as the frames come
        async for frame in adraft_stream(job=job, after=0):
            await frames.put(frame)

    async def next_frame() -> bytes:
        return await asyncio.wait_for(frames.get(), timeout=DEADLINE)

    reading = asyncio.create_task(page())
    try:
        assert await next_frame() == b"retry: 1000\n\n"
        assert b"event: start" in await next_frame()
        # The stream is subscribed and has seen this job's next event: it is
        # waiting on its channel now.
        await sync_to_async(_store)(job, "delta", {"key": "subjective", "text": "C"})
        assert b"id: 2\nevent: delta" in await next_frame()
        neighbours = await sync_to_async(_neighbours)(job.pk, settings)
        publisher = redis.Redis.from_url(settings.REDIS_URL)
        for channel in neighbours:  # what a neighbour's job with this id announces
            foreign = [
                [3, "section_done", json.dumps({"key": "plan", "text": "Not ours."})],
                [4, "done", "{}"],
            ]
            publisher.publish(channel, json.dumps(foreign))
        # then this job's own next event, announced on its own channel
        own = {"key": "subjective", "text": "Cough for three days."}
        await sync_to_async(_store)(job, "section_done", own)
        frame = await next_frame()
        assert frame.startswith(b"id: 3\nevent: section_done"), frame
        assert b"Cough for three days." in frame, frame  # not the neighbour's
        assert not reading.done()  # and it did not end with the neighbour's done
    finally:
        reading.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reading
        await sync_to_async(lambda: connection.close())()  # the ORM thread's, now
