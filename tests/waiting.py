"""How long the suite waits: one deadline, for a hang, never for the work.

A test waits for a state the page or a service exposes (a text on the page, a row
stored, /health answering), never for a stretch of time; the deadline only ends a
wait that would otherwise never end. It is generous because a busy 2-core machine
runs everything several times slower (a child server's start, a library's first
load, a browser's paint): `TEST_DEADLINE` (seconds) changes it for a slower one.
Browser pages and Playwright's `expect` use it too (tests/browser.py).
"""

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

DEADLINE = float(os.environ.get("TEST_DEADLINE", "120"))
DEADLINE_MS = int(DEADLINE * 1000)


def eventually(
    check: Callable[[], T], *, every: float = 0.2, deadline: float = DEADLINE
) -> T:
    """Call `check` until it returns something true, and return that; past the
    deadline, its last answer (false: the caller's assert says what was wanted)."""
    ends = time.monotonic() + deadline
    while True:
        value = check()
        if value or time.monotonic() > ends:
            return value
        time.sleep(every)


async def within(awaitable: Awaitable[T], deadline: float = DEADLINE) -> T:
    """Await something that must come (a socket's next message): the deadline is
    for a hang only."""
    return await asyncio.wait_for(awaitable, deadline)


async def eventually_async(
    check: Callable[[], Awaitable[T]], *, every: float = 0.1, deadline: float = DEADLINE
) -> T:
    """`eventually` for a check that is awaited (a Redis count, a row read through
    `database_sync_to_async`)."""
    ends = time.monotonic() + deadline
    while True:
        value = await check()
        if value or time.monotonic() > ends:
            return value
        await asyncio.sleep(every)
