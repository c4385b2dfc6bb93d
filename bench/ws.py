"""Benchmark of the live-transcription socket (issues 6, 14, 15).

One daphne process serves the app with the benchmark-only `instant` engine (an
interim result per audio frame, a final every 10 frames, stored like any other).
N clients each stream real-time 16 kHz PCM in 100 ms frames for D seconds; each
frame carries its client and frame number, and the interim result that echoes it
gives the per-frame relay latency (and, for frames over the 20 ms target, the second
of the run they were sent in: the ramp as sockets open, the stop, or between). A
frame is answered by the first result covering it: its interim, a later frame's (the
consumer sends only the newest interim held behind a final being stored) or the
final. Each server's CPU time per frame is its cost apart from the machine's
other load (`bench/ws_servers.py`). Finals
are checked against the database: none lost, none duplicated. The same load then runs
against a bare `websockets` relay
(in its own process, no Django, no database) for the ratio. With `--daphne-echo`, it
also runs against the same relay as a bare ASGI app under daphne (no Django, Channels
or database): what daphne itself costs, apart from the app. Last, the offline
engine's real-time factor on this machine.

    .venv/bin/python bench/ws.py --sessions 200 --seconds 60
    DATABASE_URL=postgres://... .venv/bin/python bench/ws.py --fault \
        --sessions 50 --seconds 60 --skip-relay --skip-rtf

`--fault` takes the database away twice (new connections refused and every backend
killed with `pg_terminate_backend`, `--away` seconds each, at 1/3 and 2/3 of the
run) and reports finals sent, stored, lost and duplicated, and the p99 relay latency
outside the fault windows (a window: from the kill to 5 s after the database is back).

`--topology two` serves the app from two daphne processes behind the repository's
nginx (deploy/nginx.conf.template, the sockets spread over both; the CPU per frame is
both processes'); `--profile FILE` runs its one daphne under pyinstrument and writes
where the event loop's time went to FILE (`bench/ws_profiled.py`).

`--smoke` is the suite's check that the script still runs (tests/bench): 3 sessions
for 1.5 s and the relay beside them, the bench user made in this process (no child
Python but daphne's); it exits non-zero when a client fails or a final is lost or
stored twice. It skips the offline engine's real-time factor, which
`bench/asr.py --smoke` measures. The bare relays are
`bench/ws_relays.py`, the fault run's parts `bench/ws_faults.py`.

DATABASE_URL (and REDIS_URL) are used when set; otherwise a temporary SQLite file.
"""

import argparse
import asyncio
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ws_faults import inject_faults, summarise_fault  # noqa: E402
from bench.ws_relays import (  # noqa: E402
    FINAL_EVERY,
    daphne_echo_command,
    relay_command,
)
from bench.ws_servers import app_servers, cpu_seconds, wait_for_port  # noqa: E402
from tests.fakes.tcp_proxy import free_port  # noqa: E402

FRAME_BYTES = 3200
STARTED = 0.0  # when the load began (perf_counter)
SLOW_MS = 20  # the target; frames over it are also counted by second of the run


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--ramp", type=float, default=5, help="seconds to open all")
    parser.add_argument("--skip-relay", action="store_true")
    parser.add_argument(
        "--daphne-echo",
        action="store_true",
        help="also run the relay as a bare ASGI app under daphne (daphne's own cost)",
    )
    parser.add_argument("--skip-rtf", action="store_true")
    parser.add_argument(
        "--topology",
        choices=("one", "two"),
        default="one",
        help="two: two daphne processes behind the repository's nginx",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="run the app's daphne under pyinstrument; its profile written to FILE",
    )
    parser.add_argument(
        "--fault",
        action="store_true",
        help="kill the database's connections twice mid-run (PostgreSQL only): "
        "finals sent, stored, lost, duplicated, and p99 outside the fault windows",
    )
    parser.add_argument(
        "--away", type=float, default=3, help="seconds the database stays away"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a few seconds on tiny load; exits non-zero if anything is off",
    )
    args = parser.parse_args()
    if args.smoke:
        args.sessions, args.seconds, args.ramp, args.skip_rtf = 3, 1.5, 0.3, True
    return args


# --- the server side ---------------------------------------------------------------


def server_env(database_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PYTEST", "REQUIRE_SERVICES"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.ws_settings",
        DJANGO_SECRET_KEY="bench-" + "x" * 50,
        DJANGO_HTTPS="0",
        DJANGO_STATIC_MANIFEST="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        FIELD_ENCRYPTION_KEYS=os.environ.get(
            "FIELD_ENCRYPTION_KEYS", "YmVuY2gtb25seS1rZXktbm90LXNlY3JldC0wMDAwMDA="
        ),
        WS_MAX_CONNECTIONS_PER_USER="100000",
        # A production-like server needs EMAIL_URL; the bench sends none.
        EMAIL_URL=f"file://{tempfile.gettempdir()}/noumaris-bench-mail",
        TRANSCRIPTION_SESSIONS_PER_MINUTE="100000",
        LOG_LEVEL="WARNING",
        # No drafting here: the drafter's libraries (seconds of CPU, in a thread
        # at start-up) would load during the ramp, in the measurement.
        NOTE_PRELOAD="0",
        PYTHONPATH=str(ROOT),
    )
    return env


def prepare_database(env: dict[str, str]) -> str:
    """Migrate, make a bench user, and return a signed-in session cookie (in this
    process, with the server's settings: no child Python to start)."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from accounts.models import User
    from institutions.models import Feature, FeatureGrant, PhysicianProfile

    call_command("migrate", verbosity=0)
    call_command("seed_features", verbosity=0)
    # A clinician records (a superadmin runs the platform and records nothing): an
    # individual physician granted live transcription directly.
    user, _ = User.objects.get_or_create(username="bench-clinician")
    user.is_superadmin = False
    user.set_unusable_password()
    user.save()
    PhysicianProfile.objects.get_or_create(user=user)
    feature = Feature.objects.get(code=Feature.Code.LIVE_TRANSCRIPTION)
    FeatureGrant.objects.get_or_create(user=user, feature=feature, institution=None)
    # force_login: a session made without the password check, which django-axes
    # refuses outside a request (AxesBackendRequestParameterRequired).
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def baseline(app: dict, name: str, command, suffix: str, args) -> None:
    """The same load against a bare server (`command(port)`: its arguments), then
    the app's latencies as ratios to it."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, *command(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, server)
        before = cpu_seconds(server.pid)
        clients = asyncio.run(
            load(f"ws://127.0.0.1:{port}/", {}, args.sessions, args.seconds, args.ramp)
        )
        cpu = cpu_seconds(server.pid) - before
    finally:
        server.terminate()
        server.wait(10)
    bare = summarise(name, clients, cpu=cpu)
    ratios = {
        f"{q}_ratio{suffix}": round(app[f"{q}_ms"] / max(bare[f"{q}_ms"], 1e-6), 2)
        for q in ("p50", "p99")
    }
    print(json.dumps(ratios))


# --- the client side ---------------------------------------------------------------


class Client:
    def __init__(self, number: int):
        self.number = number
        self.sent: list[float] = []  # when each frame was sent, by its number
        self.answered = 0  # frames 0 .. answered-1 have had a result covering them
        self.latencies: list[float] = []
        self.slow_sent: list[float] = []  # when frames over SLOW_MS were sent
        self.final_seqs: list[int] = []
        self.final_latencies: list[float] = []  # its last frame sent -> final stored
        self.by_later = 0  # frames answered by a later frame's result (coalesced)
        self.frames = 0
        self.session_id = None
        self.error = None
        self.timed: list[tuple[float, float]] = []  # (sent, latency ms) per frame
        self.catching_up = 0

    def covered(self, frame: int, now: float) -> None:
        """A result covering the audio up to `frame` arrived at `now`: every frame
        up to it not yet answered is answered by it. The consumer sends only the
        newest interim held behind a final being stored (`Recording.result`), and a
        final covers every frame before it, so a frame's answer may be a later
        frame's interim or the final: its latency runs until then."""
        for n in range(self.answered, min(frame + 1, len(self.sent))):
            sent = self.sent[n]
            latency = (now - sent) * 1000
            self.latencies.append(latency)
            self.timed.append((sent, latency))
            if latency > SLOW_MS:
                self.slow_sent.append(sent)
            self.by_later += n != frame
        self.answered = max(self.answered, frame + 1)


async def run_client(client, url, headers, seconds, start_delay, done):
    import websockets

    await asyncio.sleep(start_delay)
    try:
        async with websockets.connect(
            url, additional_headers=headers, origin="http://127.0.0.1", max_size=2**20
        ) as ws:
            await ws.send(
                json.dumps(
                    {
                        "type": "start",
                        "sample_rate": 16000,
                        "encoding": "linear16",
                        "consent": True,
                        "label": "bench",
                    }
                )
            )
            while True:
                ready = json.loads(await ws.recv())
                if ready["type"] == "ready":
                    break
                if ready["type"] == "error":
                    raise RuntimeError(ready["message"])
            client.session_id = ready["session_id"]
            receiver = asyncio.create_task(receive(client, ws))
            body = b"\x00" * (FRAME_BYTES - 8)
            began = time.perf_counter()
            while time.perf_counter() - began < seconds:
                n = client.frames
                client.sent.append(time.perf_counter())
                await ws.send(struct.pack(">II", client.number, n) + body)
                client.frames += 1
                # Real time: frame n is due at n * 100 ms.
                delay = began + client.frames * 0.1 - time.perf_counter()
                await asyncio.sleep(max(0, delay))
            await ws.send(json.dumps({"type": "stop"}))
            # An overloaded server answers the run's frames late: wait as long as
            # the run again (and a minute), so that its backlog is measured, not cut.
            await asyncio.wait_for(receiver, 60 + seconds)
    except Exception as exc:  # reported, not raised: one client must not end the run
        client.error = f"{type(exc).__name__}: {exc}"
    finally:
        done.append(client)


async def receive(client, ws):
    async for raw in ws:
        message = json.loads(raw)
        now = time.perf_counter()
        if message["type"] == "transcript":
            # The text echoes a frame's 8 bytes: its client and number (the final's
            # after "frames to ").
            frame = int(message["text"][-8:], 16)
            client.covered(frame, now)
            if message["is_final"]:
                client.final_seqs.append(message["seq"])
                client.final_latencies.append((now - client.sent[frame]) * 1000)
        elif message["type"] == "status" and message["state"] == "catching_up":
            client.catching_up += 1
        elif message["type"] == "status" and message["state"] == "stopped":
            return


async def load(url, headers, sessions, seconds, ramp, fault_database=None, away=3):
    global STARTED
    STARTED = time.perf_counter()
    done: list[Client] = []
    clients = [Client(i) for i in range(sessions)]
    runs = [
        run_client(c, url, headers, seconds, ramp * c.number / max(1, sessions), done)
        for c in clients
    ]
    if fault_database:
        runs.append(
            inject_faults(fault_database, ramp + seconds, away, started=STARTED)
        )
    await asyncio.gather(*runs)
    return clients


def summarise(name, clients, *, cpu: float):
    """The run's figures; `cpu`: the server's CPU seconds over it."""
    latencies = sorted(x for c in clients for x in c.latencies)
    frames = sum(c.frames for c in clients)
    errors = [c.error for c in clients if c.error]
    unanswered = frames - len(latencies)
    dup_finals = sum(len(c.final_seqs) - len(set(c.final_seqs)) for c in clients)
    q = _quantiles(latencies)
    finals = _quantiles(sorted(x for c in clients for x in c.final_latencies))
    result = {
        "name": name,
        "sessions": len(clients),
        "frames": frames,
        "p50_ms": round(q[49], 2),
        "p99_ms": round(q[98], 2),
        "max_ms": round(latencies[-1], 2) if latencies else None,
        "unanswered_frames": unanswered,
        "server_cpu_ms_per_frame": round(cpu * 1000 / max(frames, 1), 3),
        # Held behind a final being stored, answered by a later interim or the final.
        "answered_by_a_later_result": sum(c.by_later for c in clients),
        "final_p50_ms": round(finals[49], 2),
        "final_p99_ms": round(finals[98], 2),
        "duplicated_finals": dup_finals,
        "client_errors": len(errors),
        "first_error": errors[0] if errors else None,
        # Where the slow frames fall: the ramp (sockets opening), the stop, or between.
        f"frames_over_{SLOW_MS}ms_by_second": dict(
            sorted(
                Counter(int(t - STARTED) for c in clients for t in c.slow_sent).items()
            )
        ),
    }
    print(json.dumps(result))
    return result


def _quantiles(values: list[float]) -> list[float]:
    return statistics.quantiles(values, n=100) if len(values) > 1 else [0] * 99


def check_stored(clients) -> dict:
    """Compare the finals each client received with the segments stored."""
    from django.db.models import Count, Max

    from transcription.models import TranscriptSegment

    ids = [c.session_id for c in clients if c.session_id]
    rows = (
        TranscriptSegment.objects.filter(session_id__in=ids)
        .values("session_id")
        .annotate(n=Count("id"), top=Max("seq"))
    )
    stored = {row["session_id"]: [row["n"], row["top"]] for row in rows}
    lost = duplicated = 0
    for c in clients:
        if not c.session_id:
            continue
        expected = c.frames // FINAL_EVERY
        n, top = stored.get(c.session_id, [0, 0])
        lost += max(0, expected - n) + (expected - len(set(c.final_seqs)))
        duplicated += max(0, n - expected) + (0 if top == n else 1)
    result = {
        "sessions_checked": len(ids),
        "finals_stored": sum(n for n, _ in stored.values()),
        "finals_lost": lost,
        "finals_duplicated": duplicated,
    }
    print(json.dumps(result))
    return result


SPEECH = (
    "The patient is a sixty two year old man with chest pain radiating to "
    "the left arm. He denies fever or cough. "
)


def offline_rtf(text: str = SPEECH * 4) -> float:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noumaris.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import wave

    import django

    django.setup()
    from transcription.engines.offline import real_time_factor

    with tempfile.TemporaryDirectory() as folder:
        raw, out = Path(folder) / "raw.wav", Path(folder) / "speech.wav"
        subprocess.run(["espeak-ng", "-w", str(raw), text], check=True)
        subprocess.run(
            ["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(out)],
            check=True,
        )
        with wave.open(str(out)) as handle:
            pcm = handle.readframes(handle.getnframes())
    rtf = real_time_factor(pcm)
    print(
        json.dumps(
            {
                "offline_engine_real_time_factor": round(rtf, 3),
                "audio_seconds": round(len(pcm) / 32000, 1),
            }
        )
    )
    return rtf


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database_url = (
            os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
        )
        env = server_env(database_url)
        cookie = prepare_database(env)
        if args.fault and not database_url.startswith("postgres"):
            sys.exit("--fault needs DATABASE_URL=postgres://...")
        with app_servers(env, topology=args.topology, profile=args.profile) as (
            base,
            servers,
        ):
            before = sum(cpu_seconds(pid) for pid in servers)
            clients = asyncio.run(
                load(
                    base.replace("http://", "ws://") + "/ws/transcribe/",
                    {"Cookie": f"sessionid={cookie}"},
                    args.sessions,
                    args.seconds,
                    args.ramp,
                    fault_database=database_url if args.fault else None,
                    away=args.away,
                )
            )
            cpu = sum(cpu_seconds(pid) for pid in servers) - before
        name = "daphne+consumer+instant engine"
        if args.topology == "two":
            name = "two daphne+consumer+instant engine behind nginx"
        app = summarise(name, clients, cpu=cpu)
        stored = check_stored(clients)
        if args.fault:
            summarise_fault(clients, stored)
            return
        if args.smoke:
            smoke_check(app, stored, clients)
    if not args.skip_relay:
        baseline(app, "bare websockets relay", relay_command, "", args)
    if args.daphne_echo:
        baseline(
            app,
            "bare ASGI relay under daphne",
            daphne_echo_command,
            "_to_bare_daphne",
            args,
        )
    if not args.skip_rtf:
        offline_rtf(SPEECH * 4)


def smoke_check(app: dict, stored: dict, clients) -> None:
    """`--smoke`: every session opened, answered and stored each final once."""
    problems = []
    if app["client_errors"]:
        problems.append(f"client errors: {app['first_error']}")
    if not all(c.session_id and c.latencies for c in clients):
        problems.append("a session opened no transcript")
    if stored["finals_lost"] or stored["finals_duplicated"] or app["duplicated_finals"]:
        problems.append(f"finals lost or duplicated: {stored}")
    if problems:
        sys.exit("bench/ws.py --smoke: " + "; ".join(problems))


if __name__ == "__main__":
    main()
