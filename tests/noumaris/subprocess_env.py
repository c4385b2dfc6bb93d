"""Run Django in a child process with a chosen environment (settings load at import)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.waiting import DEADLINE

ROOT = Path(__file__).resolve().parents[2]
OURS = (
    "DJANGO_",
    "DATABASE_",
    "REDIS_URL",
    "KEYCLOAK_",
    "OIDC_",
    "FIELD_ENCRYPTION_KEYS",
    "REQUIRE_SERVICES",
    "PYTEST",
    "METRICS_",
    "TASKS_",
    "WORKER_",
    "EMAIL_",
    "SITE_URL",
    "PORT",
)


def clean_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    env.update(overrides)
    env["DJANGO_SETTINGS_MODULE"] = "noumaris.settings"
    return env


def run_manage(
    *args: str, env: dict[str, str], timeout: float = DEADLINE
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def read_settings(names: list[str], env: dict[str, str]) -> dict:
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
