"""The processes `bench/ws.py` measures: the app's servers, when one listens, which
one serves a port, and the CPU time each used (Linux's /proc)."""

import contextlib
import os
import socket
import time
from pathlib import Path

from tests.fakes.tcp_proxy import free_port
from tests.live import DAPHNE, daphne, nginx, serve, started_together


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) process `pid` has used so far (Linux's
    /proc): a server's own cost of a run, which a busy machine stretches in wall
    time but not in CPU time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def listening_pid(port: int) -> int:
    """The daphne process started with `-p port` (in its command line)."""
    wanted = f"\0-p\0{port}\0".encode()
    for folder in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            if wanted in (folder / "cmdline").read_bytes():
                return int(folder.name)
    raise SystemExit(f"no process serves port {port}")


def wait_for_port(port, proc, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early ({proc.returncode})")
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


@contextlib.contextmanager
def app_servers(env: dict, *, topology: str, profile: str | None):
    """The app as `bench/ws.py` measures it, until the block ends: one daphne
    (`one`; under pyinstrument with `profile`, its text written there), or two behind
    the repository's nginx (`two`: deploy/nginx.conf.template, sockets spread over
    both, as `docker compose up --scale ws=2` runs them). Yields the base URL the
    clients use and the servers' pids (their CPU is the app's)."""
    if topology == "two":
        with contextlib.ExitStack() as stack:
            bases = started_together(stack, daphne(env), daphne(env))
            hosts = [base.removeprefix("http://") for base in bases]
            proxy = stack.enter_context(nginx(web=hosts[0], ws=hosts))
            yield proxy, [listening_pid(int(h.rsplit(":", 1)[1])) for h in hosts]
        return
    if profile is None:
        with daphne(env) as base:
            yield base, [listening_pid(int(base.rsplit(":", 1)[1]))]
        return
    port = free_port()
    command = [str(Path(__file__).with_name("ws_profiled.py")), str(Path(profile))]
    command += ["-v", "0", "-b", "127.0.0.1", "-p", str(port), DAPHNE]
    with serve(command, env, port=port) as base:
        yield base, [listening_pid(port)]
