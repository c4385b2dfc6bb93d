"""Which real services the suite may use, and what to do when one is missing."""

import os
import shutil

import pytest
from django.conf import settings
from django.db import connection

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = "/usr/bin/chromium"


def skip_or_fail(reason: str) -> None:
    """Skip a test that needs a missing service; under REQUIRE_SERVICES=1 (CI) fail it."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        skip_or_fail("this test needs PostgreSQL (set DATABASE_URL)")


def require_redis() -> None:
    if not settings.REDIS_URL:
        skip_or_fail("this test needs Redis (set REDIS_URL)")


def require_executable(path_or_name: str, why: str) -> str:
    found = shutil.which(path_or_name)
    if not found:
        skip_or_fail(f"{path_or_name} is not installed ({why})")
    return found
