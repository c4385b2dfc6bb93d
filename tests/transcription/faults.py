"""Faults the recording tests and `bench/ws.py` inject: PostgreSQL taken away."""

import time

import psycopg


def database_away(
    *, host: str, port: int, user: str, name: str, seconds: float, spare: int = 0
) -> int:
    """Take database `name` away for `seconds`: new connections refused and every
    backend but `spare` (a test's own, which tears it down) terminated with
    `pg_terminate_backend`, as a failover or a restarted pooler does; returns how
    many were killed."""
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
            time.sleep(seconds)
        finally:
            admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
    return len(killed)


def take_test_database_away(spare: int, seconds: float) -> int:
    """`database_away` on the test database (Django's connection settings).

    The kill reaches this process's own pool too: its idle connections are dead once
    the database is back, and the tests after this one would be handed them. So the
    pool is swept here, as the app sweeps its own after a fault (noumaris.common.db)."""
    from django.db import connection

    from noumaris.common.db import pool_sweep

    params = connection.settings_dict
    try:
        return database_away(
            host=params["HOST"] or "127.0.0.1",
            port=int(params["PORT"] or 5432),
            user=params["USER"] or "postgres",
            name=params["NAME"],
            seconds=seconds,
            spare=spare,
        )
    finally:
        pool_sweep()
