"""Debian's Chromium driven by Playwright, and a live ASGI server on the test database."""

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection, connections

from tests.live import daphne, started_together, task_worker
from tests.noumaris.subprocess_env import clean_env
from tests.services import CHROMIUM, require_executable
from tests.waiting import DEADLINE_MS

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
MAIL_DIR = Path(tempfile.gettempdir()) / f"noumaris-test-mail-{os.getpid()}"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def live_server_env(**overrides: str) -> dict[str, str]:
    """The environment of a server process that shares this test's database."""
    params = connection.settings_dict
    if connection.vendor == "postgresql":
        user = params["USER"] or "postgres"
        host = params["HOST"] or "127.0.0.1"
        url = f"postgres://{user}@{host}:{params['PORT'] or 5432}/{params['NAME']}"
    else:
        url = f"sqlite:///{params['NAME']}"
    env = clean_env(
        DATABASE_URL=url,
        DJANGO_SECRET_KEY="live-server-test-key-" + "x" * 40,
        DJANGO_HTTPS="0",
        # Static files come from the source tree (no collectstatic in tests).
        DJANGO_STATIC_MANIFEST="0",
        FIELD_ENCRYPTION_KEYS=",".join(settings.FIELD_ENCRYPTION_KEYS),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # A production-like server: e-mail to files, never to its log.
        EMAIL_URL=f"file://{MAIL_DIR}",
        # Most servers here never draft: the offline drafter loads at a first draft
        # (seconds of CPU each, not in every server and worker the suite starts).
        NOTE_PRELOAD="0",
    )
    # production's settings, signing in without re-hashing at a million iterations
    env["DJANGO_SETTINGS_MODULE"] = "tests.server_settings"
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    env.update(overrides)
    return env


@contextlib.contextmanager
def live_server(*, worker: bool = False, **env_overrides: str) -> Iterator[str]:
    """daphne serving the app on the test database; needs `transactional_db`.
    `worker`: a task worker beside it, as `make run` has (notes draft in one)."""
    env = live_server_env(**env_overrides)
    with contextlib.ExitStack() as stack:
        managers = [daphne(env), task_worker(env)] if worker else [daphne(env)]
        base, *_ = started_together(stack, *managers)
        yield base


class SharedServer:
    """One live server (`live_server`'s arguments) at a time for a module's tests:
    kept while the next test asks for the same one, replaced when it asks for
    another. Never two at once: two task workers on one test database would take
    each other's jobs."""

    def __init__(self):
        self._stack: contextlib.ExitStack | None = None
        self._key = None
        self._base = ""

    def __call__(self, *, worker: bool = False, **env_overrides: str) -> str:
        key = (worker, sorted(env_overrides.items()))
        if key != self._key:
            self.close()
            self._stack = contextlib.ExitStack()
            self._base = self._stack.enter_context(
                live_server(worker=worker, **env_overrides)
            )
            self._key = key
        return self._base

    def close(self) -> None:
        if self._stack is not None:
            self._stack.close()
        self._stack, self._key = None, None


class KeptServers:
    """Live servers without a task worker, each started on first use and kept until
    the test process ends (the `plain_server` fixture, tests/conftest.py): a server
    that only answers pages and the API carries nothing from one test to the next (the
    database and Redis are emptied after each), so the tests that need no settings of
    their own share one per pytest-xdist worker instead of starting one each (seconds
    of CPU apiece). A server with a task worker is never kept: two workers on one test
    database would take each other's jobs (`SharedServer`)."""

    def __init__(self):
        self._stack = contextlib.ExitStack()
        self._bases: dict[tuple, str] = {}

    def __call__(self, **env_overrides: str) -> str:
        key = tuple(sorted(env_overrides.items()))
        if key not in self._bases:
            self._bases[key] = self._stack.enter_context(live_server(**env_overrides))
        return self._bases[key]

    def close(self) -> None:
        self._stack.close()
        self._bases.clear()


@contextlib.contextmanager
def chromium(extra_args: list[str] | None = None) -> Iterator:
    """A headless Chromium browser (Playwright's sync API)."""
    require_executable(CHROMIUM, "browser tests; apt-get install chromium")
    from playwright.sync_api import expect, sync_playwright

    # Every wait on a page (an action, a navigation, an `expect`) ends at the
    # suite's one deadline: for a hang, not for the work (tests/waiting.py).
    expect.set_options(timeout=DEADLINE_MS)

    # Playwright's sync API runs an event loop in this thread; the ORM calls a test
    # makes between page actions are still synchronous and safe. Only for this
    # block: consumer tests later in the run must still catch real async misuse.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_ARGS + (extra_args or []),
            )
            try:
                yield _Browser(browser)
            finally:
                # Queries made while Playwright's loop runs open their own connection;
                # give it back, or PostgreSQL cannot drop the test database.
                connections.close_all()
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class _Browser:
    """Playwright's browser, whose pages wait up to the suite's deadline."""

    def __init__(self, browser):
        self._browser = browser

    def __getattr__(self, name):
        return getattr(self._browser, name)

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        context.set_default_timeout(DEADLINE_MS)
        return context

    def new_page(self, **options):
        page = self._browser.new_page(**options)
        page.set_default_timeout(DEADLINE_MS)
        return page


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
