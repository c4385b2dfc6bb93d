"""The processes `bench/ws.py` measures: when one listens, which one serves a port,
and the CPU time each used (Linux's /proc)."""

import contextlib
import os
import socket
import time
from pathlib import Path


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) process `pid` has used so far (Linux's
    /proc): a server's own cost of a run, which a busy machine stretches in wall
    time but not in CPU time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def listening_pid(port: int) -> int:
    """The daphne process started with `-p port`."""
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
