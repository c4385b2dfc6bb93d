"""`python -m noumaris.serve`: several daphne workers on one port (WEB_WORKERS)."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser import live_server_env
from tests.fakes.tcp_proxy import free_port
from tests.live import _wait_for
from tests.noumaris.subprocess_env import ROOT, clean_env, run_manage


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()]


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _serve(workers: int, port: int, output) -> subprocess.Popen:
    # Output to a file: the workers' request log would fill a pipe and stall them.
    return subprocess.Popen(
        [sys.executable, "-m", "noumaris.serve", "-p", str(port)],
        cwd=ROOT,
        env=live_server_env(WEB_WORKERS=str(workers)),
        stdout=output,
        stderr=subprocess.STDOUT,
    )


def _stop(proc: subprocess.Popen, output) -> tuple[int, str]:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return proc.returncode, Path(output.name).read_text()


@pytest.mark.redis
def test_two_workers_share_the_socket_and_stop_together(transactional_db, tmp_path):
    port = free_port()
    output = (tmp_path / "serve.log").open("w")
    proc = _serve(2, port, output)
    try:
        _wait_for(f"http://127.0.0.1:{port}/health", proc, 40)
        workers = _children(proc.pid)
        assert len(workers) == 2
        before = {pid: _cpu_ticks(pid) for pid in workers}
        for _ in range(300):  # a new connection each: the kernel picks a worker
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health") as answer:
                assert answer.status == 200
        spent = {pid: _cpu_ticks(pid) - before[pid] for pid in workers}
        # Each request costs a worker milliseconds of CPU; an idle one spends ~none.
        assert all(ticks >= 5 for ticks in spent.values()), spent
    finally:
        code, stderr = _stop(proc, output)
    assert code == 0, stderr
    assert "2 daphne workers" in stderr
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or _zombie(pid)


def _connections_held(pid: int, port: int) -> int:
    """How many established TCP connections to `port` the process holds."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd) if fd.is_symlink() else ""
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    held = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        if local_port == port and fields[3] == "01" and fields[9] in inodes:
            held += 1
    return held


@pytest.mark.redis
def test_connections_opened_together_spread_over_the_workers(
    transactional_db, tmp_path
):
    """A proxy opens its kept-alive connections at once: each worker must get some
    (with one shared socket, the first worker to wake took them all)."""
    port = free_port()
    output = (tmp_path / "serve.log").open("w")
    proc = _serve(2, port, output)
    clients = []
    try:
        _wait_for(f"http://127.0.0.1:{port}/health", proc, 40)
        workers = _children(proc.pid)
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]
        request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        for client in clients:
            client.sendall(request)
        for client in clients:  # every one answered: accepted and kept open
            assert client.recv(4096).startswith(b"HTTP/1.1 200")
        held = {pid: _connections_held(pid, port) for pid in workers}
        assert sum(held.values()) == 16, held
        assert all(held.values()), held
    finally:
        for client in clients:
            client.close()
        code, stderr = _stop(proc, output)
    assert code == 0, stderr


def test_a_taken_port_still_stops_several_workers(tmp_path):
    """Even taken by another server's SO_REUSEPORT socket (as ours are), which the
    workers' own sockets could otherwise quietly share."""
    with socket.create_server(("127.0.0.1", 0), reuse_port=True) as taken:
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "noumaris.serve", "-p", str(port), "--workers", "2"],
            cwd=ROOT,
            env=live_server_env(),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert done.returncode != 0
    assert "Address already in use" in done.stderr


def _zombie(pid: int) -> bool:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"


@pytest.mark.redis
def test_a_worker_that_dies_stops_the_server_so_its_supervisor_restarts_it(
    transactional_db, tmp_path
):
    port = free_port()
    output = (tmp_path / "serve.log").open("w")
    proc = _serve(2, port, output)
    try:
        _wait_for(f"http://127.0.0.1:{port}/health", proc, 40)
        first, second = _children(proc.pid)
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 40
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        code, stderr = _stop(proc, output)
    assert code == 1
    assert f"worker {first} exited (-9); stopping the others" in stderr
    assert not Path(f"/proc/{second}").exists() or _zombie(second)


def test_several_workers_without_redis_refuse_to_start_with_one_line():
    done = subprocess.run(
        [sys.executable, "-m", "noumaris.serve", "-p", str(free_port())],
        cwd=ROOT,
        env=clean_env(DJANGO_DEBUG="1", WEB_WORKERS="2"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith(
        "Noumaris cannot start: WEB_WORKERS=2 needs REDIS_URL"
    )
    assert done.stderr.count("\n") == 1, done.stderr
    # The same check guards every other entry point.
    check = run_manage("check", env=clean_env(DJANGO_DEBUG="1", WEB_WORKERS="2"))
    assert check.returncode == 1
    assert "WEB_WORKERS=2 needs REDIS_URL" in check.stderr
