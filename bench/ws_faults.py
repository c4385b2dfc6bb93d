"""`bench/ws.py --fault`: the database taken away twice mid-run (new connections
refused, every backend killed), and the run's finals and latency outside and inside
the fault windows."""

import asyncio
import json
import statistics
import time

from bench.ws_relays import FINAL_EVERY

FAULTS: list[tuple[float, float]] = []  # (from, to) seconds of the run, perf_counter


def database_away(database_url: str, seconds: float) -> int:
    from urllib.parse import urlparse

    from tests.transcription.faults import database_away as away

    url = urlparse(database_url)
    return away(
        host=url.hostname,
        port=url.port or 5432,
        user=url.username or "postgres",
        name=url.path.lstrip("/"),
        seconds=seconds,
    )


async def inject_faults(
    database_url: str, seconds: float, away: float, *, started: float
) -> None:
    """Take the database away at 1/3 and 2/3 of the run (begun at `started`)."""
    for at in (seconds / 3, 2 * seconds / 3):
        await asyncio.sleep(max(0, started + at - time.perf_counter()))
        began = time.perf_counter()
        killed = await asyncio.to_thread(database_away, database_url, away)
        FAULTS.append((began, time.perf_counter()))
        print(json.dumps({"fault_at_s": round(at, 1), "backends_killed": killed}))


def summarise_fault(clients, stored: dict) -> dict:
    """Finals and latency of the fault run; latency outside each fault window
    (from the kill to 5 s after the database is back) and inside it."""
    outside, inside = [], []
    for c in clients:
        for sent, latency in c.timed:
            in_fault = any(a <= sent <= b + 5 for a, b in FAULTS)
            (inside if in_fault else outside).append(latency)

    def p99(values):
        values = sorted(values)
        return (
            round(statistics.quantiles(values, n=100)[98], 2)
            if len(values) > 1
            else None
        )

    result = {
        "name": "fault run",
        "sessions": len(clients),
        "finals_sent": sum(len(c.final_seqs) for c in clients),
        "finals_expected": sum(
            c.frames // FINAL_EVERY for c in clients if c.session_id
        ),
        **stored,
        "p99_ms_outside_faults": p99(outside),
        "p99_ms_inside_faults": p99(inside),
        "catching_up_told": sum(c.catching_up for c in clients),
        "client_errors": sum(1 for c in clients if c.error),
        "first_error": next((c.error for c in clients if c.error), None),
    }
    print(json.dumps(result))
    return result
