"""Benchmark of the integrators' API (issues 4, 14 and 29).

Loads 1,000 institutions and 100,000 residents (one grant each) into PostgreSQL,
serves the app with the WSGI server as production runs it (`--server gunicorn`:
gunicorn.conf.py, each of `--configs` in turn: WORKERSxTHREADS, processes of threads;
above 1 worker needs REDIS_URL), or with granian (WSGI) or daphne alone to compare,
and drives it with concurrent keep-alive clients signed in as an institution admin, at
each number of clients asked for (1, 2, 4 and 8 by default: latency under load grows
with the clients a saturated server queues). The clients are wrk's (Debian package
`wrk`), so that the load generator's own CPU, on the same cores as the server, stays
small. For each of

- the residents list, a page of 50 (`admin/institution/residents?page_size=50`),
- `me/permissions` (every feature through `check_features`, one query),
- a DRF view that returns a constant through the same base class (session
  authentication, rate limits, error handler, the session's idle renewal),

it prints requests/s, p50 and p95 latency, and each as a ratio to the constant view,
all in the same run on the same server; the routes take turns (`--rounds`), so that a
slower spell of the machine does not fall on one of them. Targets: residents list p95
under 50 ms and at least half the constant view's throughput.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/noumaris_bench \\
        .venv/bin/python bench/api.py --clients 1,2,4,8 --seconds 15 \\
        [--server gunicorn|granian|daphne] [--configs 1x8,2x4] [--topology one,two]

`--topology two` is the scale-out: two gunicorn processes (each of the config's
workers and threads) behind Debian's nginx with the repository's config
(deploy/nginx.conf.template, both in its upstream) and Redis, beside `one`, the server
alone; bench/api_servers.py starts them. `--profile N` instead prints where a
residents list's time goes (pyinstrument, in this process).

The data is loaded once and kept (`--reload` rebuilds it). The rate limit is raised
for the run (API_RATE_LIMIT=10000000/m) so that it is counted but never refuses.

`--smoke` is the suite's check that the script still runs (tests/bench): 5
institutions of 10 residents, two gunicorn processes behind nginx, one client per
route stopped after a few answers, on DATABASE_URL whatever its engine (a temporary
SQLite file when unset); it exits non-zero when a request fails.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
INSTITUTIONS = 1_000
RESIDENTS = 100_000
BATCH = 5_000
RESIDENTS_PAGE = "/api/v1/admin/institution/residents?page_size=50"
SMOKE_ANSWERS = 5  # per route: wrk stops sending after these (`--smoke`)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--clients",
        default="1,2,4,8",
        help="concurrent clients; a comma-separated list measures each in turn",
    )
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="the seconds of each route are split into this many turns, interleaved",
    )
    parser.add_argument("--reload", action="store_true", help="rebuild the data")
    parser.add_argument(
        "--server", choices=("gunicorn", "granian", "daphne"), default="gunicorn"
    )
    parser.add_argument(
        "--configs",
        default="1x8",
        help="WORKERSxTHREADS of each server (WEB_WORKERS, WEB_THREADS), each in turn; "
        "above 1 worker needs REDIS_URL",
    )
    parser.add_argument(
        "--topology",
        default="one",
        help="one: the server alone; two: two gunicorn processes behind nginx "
        "(needs REDIS_URL); a comma-separated list runs each in turn",
    )
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        help="instead of the load: N residents lists in this process under "
        "pyinstrument, its call tree printed",
    )
    parser.add_argument(
        "--smoke", action="store_true", help="a few seconds on tiny data (the suite)"
    )
    args = parser.parse_args()
    if args.smoke:
        global INSTITUTIONS, RESIDENTS
        INSTITUTIONS, RESIDENTS = 5, 50
        args.clients, args.seconds, args.warmup, args.rounds = "1", 1, 0, 1
        args.configs, args.topology, args.server = "1x2", "two", "gunicorn"
    try:
        args.configs = [
            (int(w), int(t)) for w, t in (c.split("x") for c in args.configs.split(","))
        ]
    except ValueError:
        parser.error(f"--configs takes WORKERSxTHREADS, e.g. 1x8,2x4: {args.configs}")
    args.topology = args.topology.split(",")
    if not set(args.topology) <= {"one", "two"} or min(min(args.configs)) < 1:
        parser.error("--topology takes one and two; --configs whole numbers from 1")
    return args


# --- Data ------------------------------------------------------------------------------


SECRET_KEY = "bench-" + "x" * 50  # the server's too, so its sessions read ours


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SECRET_KEY"] = SECRET_KEY
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noumaris.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # no access log line per request
    import django

    django.setup()


def load(reload: bool) -> None:
    """1,000 institutions of 100 residents each, with one grant per resident."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.models import User
    from institutions.models import (
        Feature,
        FeatureGrant,
        Institution,
        InstitutionAdmin,
        InstitutionFeature,
        ResidentProfile,
    )
    from institutions.services.features import feature_seed

    call_command("migrate", verbosity=0)
    feature_seed()
    if not reload and Institution.objects.filter(slug__startswith="bench-").count() == (
        INSTITUTIONS
    ):
        print("data: already loaded")
        return
    started = time.perf_counter()
    if connection.vendor == "postgresql":  # a benchmark database: start empty
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE institutions_institution, accounts_user, django_session "
                "RESTART IDENTITY CASCADE"
            )
    else:  # --smoke on SQLite
        Institution.objects.all().delete()
        User.objects.all().delete()
    password = make_password("bench-password")
    features = list(Feature.objects.all())
    per = RESIDENTS // INSTITUTIONS
    with transaction.atomic():
        institutions = Institution.objects.bulk_create(
            Institution(
                name=f"Bench Hospital {i:04d}",
                slug=f"bench-{i:04d}",
                subscription_status="active",
                max_residents=per * 2,
            )
            for i in range(INSTITUTIONS)
        )
        InstitutionFeature.objects.bulk_create(
            InstitutionFeature(institution=inst, feature=feature)
            for inst in institutions
            for feature in features
        )
        admin = User.objects.create(
            username="bench-admin", email="bench-admin@example.org", password=password
        )
        InstitutionAdmin.objects.create(
            user=admin, institution=institutions[0], is_senior=True
        )
    for start in range(0, RESIDENTS, BATCH):
        with transaction.atomic():
            users = User.objects.bulk_create(
                User(
                    username=f"bench-r{n:06d}",
                    email=f"bench-r{n:06d}@example.org",
                    first_name=f"First{n % 977}",
                    last_name=f"Last{(n * 7919) % 100_003:06d}",
                    password=password,
                )
                for n in range(start, min(start + BATCH, RESIDENTS))
            )
            ResidentProfile.objects.bulk_create(
                ResidentProfile(
                    user=user,
                    institution=institutions[n // per],
                    pgy_level=1 + n % 7,
                    specialty=("Internal Medicine", "Surgery", "Pediatrics")[n % 3],
                    status="active" if n % 10 else "inactive",
                )
                for n, user in zip(
                    range(start, min(start + BATCH, RESIDENTS)), users, strict=True
                )
            )
            FeatureGrant.objects.bulk_create(
                FeatureGrant(
                    user=user,
                    feature=features[n % len(features)],
                    institution=institutions[n // per],
                )
                for n, user in zip(
                    range(start, min(start + BATCH, RESIDENTS)), users, strict=True
                )
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"data: loaded in {time.perf_counter() - started:.0f} s")


def session_cookie() -> str:
    """A signed-in session of the benchmark admin, stored like a real sign-in."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User

    admin = User.objects.get(username="bench-admin")
    store = SessionStore()
    store[SESSION_KEY] = str(admin.pk)
    store[BACKEND_SESSION_KEY] = "institutions.backends.InstitutionsModelBackend"
    store[HASH_SESSION_KEY] = admin.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


# --- Load ------------------------------------------------------------------------------


def wrk(base, path, cookie, clients, seconds, answers=None) -> dict:
    """`clients` keep-alive connections for `seconds`, each sending its next request as
    soon as the last is answered, from wrk: a load generator in C, so the client's own
    work (which shares this machine's cores) stays small beside the server's. With
    `answers`, wrk stops sending after that many (`--smoke`)."""
    command = ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--timeout", "30s"]
    command += ["-s", str(ROOT / "bench" / "wrk_summary.lua")]
    command += ["-H", f"Cookie: {cookie}", base + path]
    command += ["--", str(answers)] if answers else []
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure(base, routes, cookie, clients, args) -> dict:
    """Every route in turn, `--rounds` times over (so that a slower spell of the
    machine falls on every route, not on one): requests/s over all rounds; p50 and
    p95 the median of the rounds' own."""
    for path in routes.values():
        if args.warmup:
            wrk(base, path, cookie, clients, args.warmup)
    rounds: dict[str, list[dict]] = {name: [] for name in routes}
    for _ in range(args.rounds):
        for name, path in routes.items():
            seconds = max(1, args.seconds // args.rounds)
            answers = SMOKE_ANSWERS if args.smoke else None
            rounds[name].append(wrk(base, path, cookie, clients, seconds, answers))
    return {
        name: {
            "rps": sum(r["requests"] for r in runs)
            / (sum(r["duration_us"] for r in runs) / 1e6),
            "p50": statistics.median(r["p50_us"] for r in runs) / 1000,
            "p95": statistics.median(r["p95_us"] for r in runs) / 1000,
            "failed": sum(r["non_2xx_3xx"] + r["socket_errors"] for r in runs),
        }
        for name, runs in rounds.items()
    }


def main():
    args = parse_args()
    database_url = check(args)
    setup_django(database_url)
    load(args.reload)
    cookie = session_cookie()
    if args.profile:
        return profile(cookie, args.profile)

    from django.db import connections

    connections.close_all()
    from bench.api_servers import describe, serving

    routes = {
        "constant DRF view": "/bench/constant",
        "residents list (50)": RESIDENTS_PAGE,
        "me/permissions": "/api/v1/me/permissions",
    }
    runs = []  # (the servers in words, {clients: results})
    for topology in args.topology:
        for workers, threads in args.configs:
            shape = {"server": args.server, "topology": topology}
            shape.update(workers=workers, threads=threads)
            with serving(dict(os.environ), **shape) as base:
                if args.smoke:
                    answers_each(base, routes, cookie)
                results = {
                    clients: measure(base, routes, cookie, clients, args)
                    for clients in [int(n) for n in args.clients.split(",")]
                }
            runs.append((describe(**shape), results))
    for servers, results in runs:
        for clients, figures in results.items():
            report(figures, clients, servers, args)
    failed = [r["failed"] for _, rs in runs for f in rs.values() for r in f.values()]
    if args.smoke and any(failed):
        sys.exit("bench/api.py --smoke: some requests failed")


def check(args) -> str:
    """The database to use; exit with what to set or install when something is
    missing."""
    for program in ("wrk", "nginx") if "two" in args.topology else ("wrk",):
        if shutil.which(program) is None and not Path("/usr/sbin", program).exists():
            sys.exit(f"bench/api.py needs {program}: apt-get install {program}")
    database_url = os.environ.get("DATABASE_URL", "")
    if args.smoke and not database_url:
        database_url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-api-')}/db.sqlite3"
    if not args.smoke and not database_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the data is kept there).")
    workers = max(w for w, _ in args.configs)
    if workers > 1 and not os.environ.get("REDIS_URL"):
        sys.exit("Above 1 worker needs REDIS_URL: workers share limits through it.")
    if "two" in args.topology and not (args.smoke or os.environ.get("REDIS_URL")):
        sys.exit("--topology two needs REDIS_URL: processes share limits through it.")
    if args.server == "daphne" and (workers > 1 or args.topology != ["one"]):
        sys.exit("daphne is one process here; --topology two runs gunicorn.")
    return database_url


def profile(cookie: str, requests: int) -> None:
    """Where a residents list's time goes: `requests` of them through Django's test
    client in this process (DEBUG on: the queries are recorded too) under pyinstrument
    (requirements-dev.txt), after 20 to warm up."""
    from django.test import Client, override_settings
    from pyinstrument import Profiler

    client = Client()
    client.cookies.load(cookie)
    with override_settings(ALLOWED_HOSTS=["testserver"], API_RATE_LIMIT="10000000/m"):
        for _ in range(20):
            assert client.get(RESIDENTS_PAGE).status_code == 200
        with Profiler(interval=0.0005) as profiler:
            for _ in range(requests):
                client.get(RESIDENTS_PAGE)
    print(profiler.output_text(color=False, show_all=False))


def answers_each(base: str, routes: dict, cookie: str) -> None:
    """`--smoke`: every route answers 200 with JSON, whatever the load's figures."""
    from tests.live import get

    for name, path in routes.items():
        status, body, _ = get(base + path, {"Cookie": cookie})
        if status != 200 or not json.loads(body):
            sys.exit(f"bench/api.py --smoke: {name} answered {status}: {body[:300]}")


def _database() -> str:
    from django.db import connection

    return "PostgreSQL" if connection.vendor == "postgresql" else connection.vendor


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")  # no request finished (a busy machine)


def report(results: dict, clients: int, servers: str, args) -> None:
    base = results["constant DRF view"]
    print(
        f"\n{INSTITUTIONS} institutions, {RESIDENTS} residents; {clients} clients,"
        f" {args.seconds:.0f} s each in {args.rounds} interleaved turns, {servers},"
        f" {_database()}"
        f"{', Redis' if os.environ.get('REDIS_URL') else ''}\n"
    )
    print(f"{'route':24} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}  ratio to constant")
    for name, r in results.items():
        print(
            f"{name:24} {r['rps']:8.0f} {r['p50']:8.1f} {r['p95']:8.1f}  "
            f"throughput {_ratio(r['rps'], base['rps']):.2f}, "
            f"p95 {_ratio(r['p95'], base['p95']):.2f}"
            f"  failed {r['failed']}"
        )
    if any(r["failed"] for r in results.values()):
        print("\nWARNING: some requests failed; the figures are not comparable")
    residents = results["residents list (50)"]
    print(
        f"\ntarget residents p95 < 50 ms: {'met' if residents['p95'] < 50 else 'MISSED'}"
        f" ({residents['p95']:.1f} ms); throughput >= 0.5 x constant: "
        f"{'met' if residents['rps'] >= 0.5 * base['rps'] else 'MISSED'}"
        f" ({_ratio(residents['rps'], base['rps']):.2f})"
    )


if __name__ == "__main__":
    main()
