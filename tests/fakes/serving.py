"""Serve a fake HTTP API on a free loopback port, for the duration of a block."""

import contextlib
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer


@contextlib.contextmanager
def serve(fake, handler) -> Iterator:
    """Run `handler` (a BaseHTTPRequestHandler class) with `fake` as its state; the
    fake's `port` is set to the port chosen."""
    bound = type("Handler", (handler,), {"fake": fake})
    server = ThreadingHTTPServer((fake.host, 0), bound)
    server.daemon_threads = True
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
