"""The Redis cache's connections, shared by every cache object of the process."""

import threading

import redis


class SharedConnectionPool(redis.ConnectionPool):
    """One connection pool per Redis URL for the whole process.

    Django keeps a cache object per context, and under ASGI every request runs in a
    context of its own: each request made a new `RedisCache`, a new pool and a new
    connection (a TCP connect, HELLO and SELECT before the rate limit's first
    command). redis-py's pool is thread-safe and re-made after a fork.
    """

    _shared: dict[tuple, "SharedConnectionPool"] = {}
    _lock = threading.Lock()

    @classmethod
    def from_url(cls, url, **kwargs):
        key = (url, tuple(sorted(kwargs.items())))
        with cls._lock:
            if key not in cls._shared:
                cls._shared[key] = super().from_url(url, **kwargs)
            return cls._shared[key]
