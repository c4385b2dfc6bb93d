"""The suite in parallel (pytest-xdist): each worker process has its own services.

pytest-django gives each worker its own test database (`test_<name>_gw0`, ...). Redis
is shared by nothing either: every test starts and ends with the cache cleared
(FLUSHDB, tests/conftest.py), and socket slots, rate limits and channel groups live
there, so worker N uses the database number after REDIS_URL's by N (modulo 16, the
server's default count). Child servers get the worker's URL through
`settings.REDIS_URL` (tests/browser.py).
"""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16  # redis-server's default `databases`


def worker_index() -> int:
    """0 for `gw0` (and for a run without xdist), 1 for `gw1`, ..."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker.removeprefix("gw"))


def worker_redis_url(url: str, index: int) -> str:
    """`url` with its database number moved on by `index`."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    path = f"/{(base + index) % REDIS_DATABASES}"
    return urlunsplit(parts._replace(path=path))


def own_redis_database() -> None:
    """Point this worker's settings (already loaded by pytest-django, before any
    cache or channel layer is made) at its own Redis database."""
    from django.conf import settings
    from django.core.cache import caches

    index = worker_index()
    if not settings.REDIS_URL or index == 0:
        return
    assert "settings" not in caches.__dict__, "the cache was made before conftest"
    url = worker_redis_url(settings.REDIS_URL, index)
    settings.REDIS_URL = url
    settings.CACHES["default"]["LOCATION"] = url
    settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [url]


def clone_from_template(shared: Path, blocker) -> None:
    """Make this worker's test database a copy of one migrated template.

    Migrating a fresh test database costs ~8 s of CPU in each worker process (and
    PostgreSQL's own work beside it), the same migrations every time. The first
    worker to come here, under a lock in the run's shared temporary folder, creates
    `test_<name>_template` and migrates it; each worker then asks Django for its own
    database `WITH TEMPLATE` that one (PostgreSQL copies the files; its TEST
    'TEMPLATE' setting), and the migrate that follows has nothing to apply. The
    template belongs to this run: a later run drops and builds it again, so a new
    migration is always in it. Without xdist, or on SQLite, nothing changes.
    """
    from django.conf import settings
    from django.db import connections
    from filelock import FileLock

    connection = connections["default"]
    if connection.vendor != "postgresql":
        return
    test = settings.DATABASES["default"].setdefault("TEST", {})
    own = test["NAME"]  # test_<name>_gwN, pytest-django's xdist suffix
    template = own.rsplit("_gw", 1)[0] + "_template"
    ready = shared / "template-database"
    with FileLock(str(shared / "template-database.lock")):
        if not ready.exists():
            name = settings.DATABASES["default"]["NAME"]
            test["NAME"] = template
            try:
                with blocker.unblock():
                    connection.creation.create_test_db(
                        verbosity=0, autoclobber=True, serialize=False
                    )
                    # as Django's own clone does: nothing may hold the template
                    connection.close()
                    connection.close_pool()
            finally:
                test["NAME"] = own
                settings.DATABASES["default"]["NAME"] = name
                connection.settings_dict["NAME"] = name
            ready.write_text(template)
    test["TEMPLATE"] = template
