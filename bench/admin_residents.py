"""Benchmark the admin's residents change list with 5,000 residents (issue 3).

Loads the demo data and 5,000 residents of Demo General Hospital (half of them with
two feature grants) into PostgreSQL, serves the app with one daphne process (debug
off, as in production), signs in as `admin` (the senior admin, a staff user scoped to
that institution), and requests `/admin/institutions/residentprofile/` many times:
the first page (50 residents, sorted by name, with their features), then a search
and a filtered page. Prints p50 and p95 in milliseconds for each.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/noumaris_bench_admin \\
        .venv/bin/python bench/admin_residents.py --requests 200

The database is created if missing and its data kept between runs (`--reload`
deletes the bench residents and loads them again).

`--smoke` is the suite's check that the script still runs (tests/bench): 30
residents and 3 requests of each page, on DATABASE_URL whatever its engine (a
temporary SQLite file when unset); a page that does not answer 200 with its list
exits non-zero.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noumaris.settings")
os.environ["DJANGO_DEBUG"] = "1"  # seed_demo runs only in debug; the server does not
# The server must read the session this process signs.
SECRET_KEY = "bench-admin-residents-" + "x" * 40  # noqa: S105 - bench-only key
os.environ["DJANGO_SECRET_KEY"] = SECRET_KEY

RESIDENTS = 5_000
BATCH = 1_000
SPECIALTIES = [
    "Internal Medicine",
    "Pediatrics",
    "Surgery",
    "Emergency Medicine",
    "Psychiatry",
    "Family Medicine",
]
FIRST = ["Ana", "Ben", "Chloe", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jude"]
LAST = ["Adams", "Brown", "Chen", "Diaz", "Evans", "Ford", "Garcia", "Hill", "Ito"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument(
        "--smoke", action="store_true", help="a few seconds on tiny data (the suite)"
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if args.smoke:
        global RESIDENTS
        RESIDENTS, args.requests = 30, 3
        if not url:
            url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-admin-')}/db.sqlite3"
            os.environ["DATABASE_URL"] = url
    elif not url.startswith("postgres"):
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL database (it is created if missing)."
        )
    if url.startswith("postgres"):
        _create_database(url)

    import django

    django.setup()
    from django.core.management import call_command

    if args.smoke:  # the suite's quick hasher: seeding and sign-in in milliseconds
        from tests import hashers

        hashers.install()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    institution = _load(reload=args.reload)
    cookie = _session_cookie()

    from tests.browser import live_server_env
    from tests.live import daphne

    env = live_server_env(DATABASE_POOL_MAX="4", DJANGO_SECRET_KEY=SECRET_KEY)
    env.pop("DJANGO_DEBUG", None)
    last = 3 if RESIDENTS >= 1_000 else 1  # --smoke's few residents fill one page
    with daphne(env) as base:
        page = base + "/admin/institutions/residentprofile/"
        print(f"{_count(institution)} residents at {institution}; as 'admin':")
        for label, path in (
            ("first page, 50 by name", page),
            ("search 'chen'", page + "?q=chen"),
            (
                f"filter active PGY-2, page {last}",
                page + f"?status__exact=active&pgy_level=2&p={last}",
            ),
        ):
            timings = _measure(path, cookie, args.requests)
            print(
                f"  {label:30} p50 {_pct(timings, 50):6.1f} ms   "
                f"p95 {_pct(timings, 95):6.1f} ms   ({len(timings)} requests)"
            )


def _create_database(url: str) -> None:
    import psycopg
    from dj_database_url import parse

    params = parse(url)
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [params["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{params["NAME"]}"')


def _load(*, reload: bool):
    from django.db import transaction

    from accounts.models import User
    from institutions.models import Feature, FeatureGrant, Institution, ResidentProfile

    institution = Institution.objects.get(slug="demo-general-hospital")
    Institution.objects.filter(pk=institution.pk).update(max_residents=RESIDENTS * 2)
    bench = User.objects.filter(username__startswith="bench-")
    if reload:
        FeatureGrant.objects.filter(user__in=bench).delete()
        ResidentProfile.objects.filter(user__in=bench).delete()
        bench.delete()
    have = bench.count()
    features = list(
        Feature.objects.filter(
            code__in=[Feature.Code.LIVE_TRANSCRIPTION, Feature.Code.NOTE_GENERATION]
        )
    )
    started = time.perf_counter()
    for start in range(have, RESIDENTS, BATCH):
        with transaction.atomic():
            users = User.objects.bulk_create(
                User(
                    username=f"bench-{n:05d}",
                    email=f"bench-{n:05d}@demo.example.org",
                    first_name=FIRST[n % len(FIRST)],
                    last_name=f"{LAST[n % len(LAST)]}-{n:05d}",
                    password="!",  # noqa: S106 - unusable password
                )
                for n in range(start, min(start + BATCH, RESIDENTS))
            )
            ResidentProfile.objects.bulk_create(
                ResidentProfile(
                    user=user,
                    institution=institution,
                    pgy_level=n % 5 + 1,
                    specialty=SPECIALTIES[n % len(SPECIALTIES)],
                    status="active" if n % 10 else "graduated",
                )
                for n, user in enumerate(users, start=start)
            )
            FeatureGrant.objects.bulk_create(
                FeatureGrant(user=user, feature=feature, institution=institution)
                for n, user in enumerate(users, start=start)
                if n % 2 == 0
                for feature in features
            )
    if have < RESIDENTS:
        print(
            f"loaded {RESIDENTS - have} residents in {time.perf_counter() - started:.1f} s"
        )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return institution


def _count(institution) -> int:
    from institutions.models import ResidentProfile

    return ResidentProfile.objects.filter(institution=institution).count()


def _session_cookie() -> str:
    from django.conf import settings
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="admin"))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _measure(url: str, cookie: str, count: int) -> list[float]:
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310
    timings = []
    for index in range(count + 10):
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            body = response.read()
            if response.status != 200 or b"result_list" not in body:
                sys.exit(f"unexpected answer {response.status} from {url}")
        if index >= 10:  # the first ten warm the pool and the caches
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def _pct(values: list[float], pct: int) -> float:
    if pct == 50:
        return statistics.median(values)
    return statistics.quantiles(values, n=100)[pct - 1]


if __name__ == "__main__":
    main()
