"""Draft event streams beside live recordings, on one daphne (issue 26, item 1).

One daphne with its default database pool (DATABASE_POOL_MAX, 10), one drafts
worker, a fake Claude that drafts slowly. STREAMS server-sent event streams follow
JOBS drafts (one running, the others queued behind it; half rejoin with
`Last-Event-ID: 99999`), and while they are open RECORDINGS live recordings (the
benchmark-only `instant` engine of bench/ws.py) start, stream SECONDS of real-time
audio and stop. Reported: streams answered 200, recordings that got `ready` and
`stopped` (the rest refused or failed), the latency of `GET /api/v1/me` and
`/health/ready` beside them, and daphne's PostgreSQL connections at the peak.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/noumaris_bench REDIS_URL=redis://... \\
        .venv/bin/python bench/draft_streams.py --streams 200 --recordings 50

`--smoke` (the suite's check that the script runs, tests/bench): 4 streams on 2 drafts
beside 2 recordings of a second; it exits non-zero unless every stream answered 200
and every recording stopped.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if "DATABASE_URL" not in os.environ:
    raise SystemExit("set DATABASE_URL to a PostgreSQL database (it is migrated)")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noumaris.settings")
os.environ["DJANGO_DEBUG"] = "1"

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
import websockets  # noqa: E402
from django.db import connection  # noqa: E402

from bench.notes import (  # noqa: E402
    new_notes,
    prepare,
    server_env,
    signed_in,
    smoke_hasher,
)
from tests.fakes.anthropic_server import Answer, fake_anthropic  # noqa: E402
from tests.live import daphne, task_worker  # noqa: E402
from tests.templates_app.conftest import record_encounter  # noqa: E402

FRAME = 3200  # 100 ms of 16 kHz 16-bit mono
APP = "noumaris-bench-daphne"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=10)
    parser.add_argument("--recordings", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--smoke", action="store_true", help="seconds, tiny load")
    args = parser.parse_args()
    if args.smoke:
        args.streams, args.jobs, args.recordings, args.seconds = 4, 2, 2, 1
        smoke_hasher()
    return args


def open_streams(base, cookies, jobs, n, opened, ended, stop):
    """`n` streams over the jobs, each read until `done` or until `stop`."""

    def one(k):
        job = jobs[k % len(jobs)]
        headers = {"Last-Event-ID": "99999" if k % 2 else "0"}
        try:
            with (
                httpx.Client(
                    cookies=cookies, timeout=httpx.Timeout(30, read=None)
                ) as c,
                c.stream("GET", base + job["events"], headers=headers) as response,
            ):
                opened.append(response.status_code)
                for line in response.iter_lines():
                    if line == "event: done" or stop.is_set():
                        ended.append(line == "event: done")
                        return
        except httpx.HTTPError as error:
            opened.append(type(error).__name__)

    threads = [threading.Thread(target=one, args=(k,), daemon=True) for k in range(n)]
    for thread in threads:
        thread.start()
    return threads


async def record(url, cookie, seconds):
    """One recording: start, `seconds` of audio at real time, stop; its outcome."""
    try:
        async with websockets.connect(
            url,
            origin=url.replace("ws://", "http://").split("/ws/")[0],
            additional_headers={"Cookie": cookie},
            open_timeout=30,
        ) as socket:
            await socket.send(
                json.dumps(
                    {
                        "type": "start",
                        "sample_rate": 16000,
                        "encoding": "linear16",
                        "language": "en",
                        "consent": True,
                    }
                )
            )
            first = json.loads(await asyncio.wait_for(socket.recv(), 30))
            if first.get("type") != "ready":
                return f"refused: {first}"
            for _ in range(int(seconds * 10)):
                await socket.send(b"\0" * FRAME)
                await asyncio.sleep(0.1)
            await socket.send(json.dumps({"type": "stop"}))
            while True:
                message = json.loads(await asyncio.wait_for(socket.recv(), 30))
                if message == {"type": "status", "state": "stopped"}:
                    return "ok"
                if message.get("type") == "error":
                    return f"error: {message}"
    except Exception as error:  # a refused handshake, a close, a timeout
        return f"failed: {type(error).__name__} {error}"


async def recordings(base, cookie, n, seconds):
    url = base.replace("http://", "ws://") + "/ws/transcribe/"
    return await asyncio.gather(*(record(url, cookie, seconds) for _ in range(n)))


def probe(base, cookies, stop, me_ms, ready):
    with httpx.Client(cookies=cookies, timeout=30) as client:
        while not stop.is_set():
            started = time.perf_counter()
            client.get(base + "/api/v1/me")
            me_ms.append((time.perf_counter() - started) * 1000)
            ready.append(client.get(base + "/health/ready").status_code)
            time.sleep(0.5)


def daphne_connections() -> int:
    if connection.vendor != "postgresql":  # --smoke on SQLite: no such view
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [APP]
        )
        return cursor.fetchone()[0]


def main() -> None:
    args = parse_args()
    resident, template_id = prepare()
    session = record_encounter(resident)
    with fake_anthropic() as fake:
        for _ in range(args.jobs):  # each draft takes a while: streams stay open
            fake.script(Answer(chunk_size=4, chunk_delay=0.25))
        env = {
            **server_env(fake),
            "DJANGO_SETTINGS_MODULE": "bench.ws_settings",  # the instant engine
            "PYTHONPATH": str(ROOT),
            "PGAPPNAME": APP,
            "WS_MAX_CONNECTIONS_PER_USER": "100000",
            "TRANSCRIPTION_SESSIONS_PER_MINUTE": "100000",
            "EMAIL_URL": f"file://{tempfile.gettempdir()}/noumaris-bench-mail",
            "LOG_LEVEL": "WARNING",
        }
        with (
            daphne(env, timeout=180) as base,
            task_worker({**env, "PGAPPNAME": "bench-worker"}, queues="drafts"),
            httpx.Client(timeout=30) as client,
        ):
            headers = signed_in(client, base)
            notes = new_notes(client, base, headers, session, template_id, args.jobs)
            jobs = [
                client.post(
                    f"{base}/api/v1/notes/{n}/generate", json={}, headers=headers
                ).json()
                for n in notes
            ]
            cookies = dict(client.cookies)
            opened, ended, me_ms, ready, stop = [], [], [], [], threading.Event()
            streams = open_streams(
                base, cookies, jobs, args.streams, opened, ended, stop
            )
            prober = threading.Thread(
                target=probe, args=(base, cookies, stop, me_ms, ready), daemon=True
            )
            prober.start()
            deadline = time.monotonic() + 60
            while len(opened) < args.streams and time.monotonic() < deadline:
                time.sleep(0.2)
            peak = daphne_connections()
            cookie = f"sessionid={cookies['sessionid']}"
            outcomes = asyncio.run(
                recordings(base, cookie, args.recordings, args.seconds)
            )
            peak = max(peak, daphne_connections())
            stop.set()
            for thread in [*streams, prober]:
                thread.join(timeout=30)
    ok = outcomes.count("ok")
    streams_200 = sum(1 for s in opened if s == 200)
    print(
        json.dumps(
            {
                "streams": args.streams,
                "streams_200": streams_200,
                "streams_refused": [s for s in opened if s != 200][:5],
                "streams_ended_with_done": sum(ended),
                "recordings": args.recordings,
                "recordings_ok": ok,
                "recordings_not_ok": [o for o in outcomes if o != "ok"][:5],
                "me_ms_median": round(statistics.median(me_ms), 1) if me_ms else None,
                "me_ms_max": round(max(me_ms), 1) if me_ms else None,
                "health_ready": sorted(set(ready)),
                "daphne_db_connections_peak": peak,
            }
        )
    )
    if args.smoke and (streams_200 < args.streams or ok < args.recordings):
        sys.exit("bench/draft_streams.py --smoke: a stream or a recording failed")


if __name__ == "__main__":
    main()
