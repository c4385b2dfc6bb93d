"""Benchmark the notes path.

1. Streaming overhead: the time from `POST /api/v1/notes/<id>/generate` to the first
   streamed section text on the client, minus the time the (local fake) Claude took
   to its first token, over 50 runs, through daphne with the real Anthropic SDK.
   Target: under 50 ms added.
2. The offline drafter on a 30-minute encounter transcript. Target: under 100 ms.

Run: `.venv/bin/python bench/notes.py` (a throwaway SQLite database unless
DATABASE_URL is set; set RUNS to change the number of runs).
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_tmp = tempfile.mkdtemp(prefix="bench-notes-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noumaris.settings")
os.environ["DJANGO_DEBUG"] = "1"

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from accounts.models import User  # noqa: E402
from templates_app.generation import DraftRequest, SectionSpec, Segment  # noqa: E402
from templates_app.generation.offline import draft_sections  # noqa: E402
from templates_app.generation.offline.classify import _word_categories  # noqa: E402
from templates_app.models import NoteTemplate  # noqa: E402
from templates_app.seed_data import HP  # noqa: E402
from tests.fakes.anthropic_server import Answer, fake_anthropic  # noqa: E402
from tests.live import daphne  # noqa: E402
from tests.templates_app.conftest import record_encounter  # noqa: E402
from tests.templates_app.transcripts import long_encounter  # noqa: E402

RUNS = int(os.environ.get("RUNS", "50"))
FIRST_TOKEN_DELAY = 0.05  # seconds the fake model "thinks" before its first token


def summary(values_ms: list[float]) -> str:
    values = sorted(values_ms)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return (
        f"median {statistics.median(values):.1f} ms, p95 {p95:.1f} ms, "
        f"max {values[-1]:.1f} ms (n={len(values)})"
    )


def prepare() -> tuple[User, int]:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    call_command("seed_templates", verbosity=0)
    resident = User.objects.get(username="resident")
    return resident, NoteTemplate.objects.get(slug="soap", scope="global").pk


def sign_in(client: httpx.Client, base: str) -> None:
    client.get(base + "/login")
    response = client.post(
        base + "/login",
        data={
            "username": "resident",
            "password": "noumaris-demo",
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
        headers={"Referer": base + "/login"},
    )
    if "sessionid" not in client.cookies:
        raise SystemExit(f"sign-in failed: {response.status_code}")


def bench_streaming() -> tuple[list[float], list[float], list[float]]:
    resident, template_id = prepare()
    session = record_encounter(resident)
    added, before_model, relay = [], [], []
    with fake_anthropic() as fake:
        env = {
            **os.environ,
            "NOTE_ENGINE": "anthropic",
            "ANTHROPIC_API_KEY": "bench-key",
            "ANTHROPIC_BASE_URL": fake.base_url,
            "API_RATE_LIMIT": "100000/m",
            "DJANGO_DEBUG": "0",
            "DJANGO_HTTPS": "0",
            "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
            "DJANGO_STATIC_MANIFEST": "0",
            "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        }
        with daphne(env) as base, httpx.Client(timeout=30) as client:
            sign_in(client, base)
            headers = {
                "X-CSRFToken": client.cookies["csrftoken"],
                "Referer": base + "/",
            }
            note = client.post(
                base + "/api/v1/notes",
                json={"session": session.pk, "template": template_id},
                headers=headers,
            ).json()
            url = f"{base}/api/v1/notes/{note['id']}/generate"
            for run in range(RUNS + 1):
                fake.script(Answer(first_token_delay=FIRST_TOKEN_DELAY))
                seen = len(fake.requests)
                started = time.monotonic()
                first_text = None
                with client.stream("POST", url, json={}, headers=headers) as response:
                    assert response.status_code == 200, response.read()
                    for line in response.iter_lines():
                        if first_text is None and line == "event: delta":
                            first_text = time.monotonic()
                request = fake.requests[seen]
                model_ttft = fake.first_token_at[seen] - request.at
                if run:  # the first run warms up the server and the SDK
                    added.append((first_text - started - model_ttft) * 1000)
                    before_model.append((request.at - started) * 1000)
                    relay.append((first_text - fake.first_token_at[seen]) * 1000)
    return added, before_model, relay


def bench_offline() -> tuple[list[float], int, int]:
    lines = long_encounter(30)
    request = DraftRequest(
        template_name=HP["name"],
        template_instructions=HP["instructions"],
        sections=tuple(
            SectionSpec(s["key"], s["title"], s["instructions"]) for s in HP["sections"]
        ),
        segments=tuple(
            Segment(seq, text, start, end, speaker)
            for seq, speaker, start, end, text in lines
        ),
    )
    _word_categories.cache_clear()
    started = time.perf_counter()
    draft_sections(request)  # the first run also fills the per-word cache
    cold = (time.perf_counter() - started) * 1000
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        draft_sections(request)
        timings.append((time.perf_counter() - started) * 1000)
    words = sum(len(text.split()) for *_, text in lines)
    return timings, len(lines), words, cold


def main() -> None:
    offline, segments, words, cold = bench_offline()
    print(
        f"offline drafter, 30-minute transcript ({segments} segments, {words} words, "
        f"History and Physical): first run {cold:.1f} ms; then {summary(offline)}  "
        "[target < 100 ms]"
    )
    streaming, before_model, relay = bench_streaming()
    print(
        f"generate -> first streamed section text, minus the model's first-token "
        f"time, through daphne: {summary(streaming)}  [target < 50 ms added]"
    )
    print(f"  of which request -> model called: {summary(before_model)}")
    print(f"  of which model's first token -> client: {summary(relay)}")


if __name__ == "__main__":
    main()
