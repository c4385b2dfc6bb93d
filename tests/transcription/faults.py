"""Faults the recording tests and `bench/ws.py` inject: PostgreSQL taken away."""

import contextlib
import threading
import time

import psycopg


def database_away(
    *,
    host: str,
    port: int,
    user: str,
    name: str,
    seconds: float,
    spare: int = 0,
    gone: threading.Event | None = None,
) -> int:
    """Take database `name` away for `seconds`: new connections refused and every
    backend but `spare` (a test's own, which tears it down) terminated with
    `pg_terminate_backend`, as a failover or a restarted pooler does; returns how
    many were killed. `gone` is set once they are."""
    with psycopg.connect(
        host=host, port=port, user=user, dbname="postgres", autocommit=True
    ) as admin:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        try:
            killed = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> %s",
                [name, spare],
            ).fetchall()
            if gone is not None:
                gone.set()
            time.sleep(seconds)
        finally:
            admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
    return len(killed)


def _test_database() -> dict:
    from django.db import connection

    params = connection.settings_dict
    return {
        "host": params["HOST"] or "127.0.0.1",
        "port": int(params["PORT"] or 5432),
        "user": params["USER"] or "postgres",
        "name": params["NAME"],
    }


def take_test_database_away(
    spare: int, seconds: float, gone: threading.Event | None = None
) -> int:
    """`database_away` on the test database (Django's connection settings).

    The kill reaches this process's own pool too: its idle connections are dead once
    the database is back, and the tests after this one would be handed them. So the
    pool is swept here, as the app sweeps its own after a fault (noumaris.common.db)."""
    from noumaris.common.db import pool_sweep

    try:
        return database_away(
            **_test_database(), seconds=seconds, spare=spare, gone=gone
        )
    finally:
        pool_sweep()


@contextlib.contextmanager
def lock_held(key: int):
    """PostgreSQL advisory lock `key` held by a connection of its own (as another
    server's long transaction would): whoever asks for it waits until the block
    ends."""
    params = _test_database()
    with psycopg.connect(
        host=params["host"],
        port=params["port"],
        user=params["user"],
        dbname=params["name"],
        autocommit=True,
    ) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [key])
        try:
            yield
        finally:
            holder.execute("SELECT pg_advisory_unlock(%s)", [key])


def lock_waiters(key: int) -> int:
    """How many backends wait for advisory lock `key` now."""
    params = _test_database()
    with psycopg.connect(
        host=params["host"],
        port=params["port"],
        user=params["user"],
        dbname="postgres",
        autocommit=True,
    ) as admin:
        return admin.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
            " WHERE l.locktype = 'advisory' AND NOT l.granted AND l.objid = %s"
            " AND d.datname = %s",
            [key, params["name"]],
        ).fetchone()[0]
