"""The database's connection pool after a fault."""

import logging

from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)


def pool_sweep(alias: str = "default") -> None:
    """Test every idle connection of the pool now (psycopg's `ConnectionPool.check`).

    Called after a request met a database error: when PostgreSQL dropped all its
    connections (a restart, a failover, `pg_terminate_backend`), each dead one is
    replaced at once, so the next request gets a live connection rather than the
    next dead one. (The pool's per-connection check on `getconn` would find them one
    by one, backing off 1, 2, 4... seconds between them: a 10 s stall.)"""
    pool = connections[alias].pool
    if pool is None:  # SQLite: no pool
        return
    try:
        pool.check()
    except DatabaseError:
        logger.warning("database pool sweep failed", exc_info=True)
