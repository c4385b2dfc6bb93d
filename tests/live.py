"""Serve the app with daphne in a child process, as production does."""

import contextlib
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.fakes.tcp_proxy import free_port

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def daphne(
    env: dict[str, str],
    *,
    port: int | None = None,
    timeout: float = 30,
    workers: int | None = None,
) -> Iterator[str]:
    """Start daphne with `env`; yield its base URL once /health answers. With
    `workers`, start it as production does with several: `noumaris.serve`."""
    port = port or free_port()
    if workers is None:
        # `-v 0` as noumaris.serve runs it: no access log of daphne's own (ours
        # is the app's); warnings and errors still print.
        command = ["-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p", str(port)]
        command.append("noumaris.asgi:application")
    else:
        command = ["-m", "noumaris.serve", "-b", "127.0.0.1", "-p", str(port)]
        command += ["--workers", str(workers)]
    proc, output = _spawn(command, env, "daphne-")
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base + "/health", proc, timeout)
        yield base
    except BaseException:
        output.seek(0)
        sys.stderr.write(
            f"--- daphne output ({output.name}) ---\n{output.read()[-20000:]}\n"
        )
        raise
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        output.close()


def _spawn(command: list[str], env: dict[str, str], prefix: str):
    """Start `python <command>`; its output goes to a file (a pipe nobody reads would
    fill and stall it), named by `proc.log_path`."""
    output = tempfile.NamedTemporaryFile(  # noqa: SIM115 - the caller closes it
        "w+", prefix=prefix, suffix=".log", delete=False
    )
    proc = subprocess.Popen(
        [sys.executable, *command],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )
    proc.log_path = output.name
    return proc, output


def _wait_for(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            with open(proc.log_path) as log:
                raise RuntimeError(f"daphne exited early:\n{log.read()[-5000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback URL
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"daphne did not answer {url} within {timeout}s")


def get(url: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


@contextlib.contextmanager
def task_worker(env: dict[str, str], *, timeout: float = 90) -> Iterator:
    """Start `manage.py run_worker` with `env`; yield the process once it beats."""
    proc, output = _spawn(["manage.py", "run_worker", "-v", "1"], env, "worker-")
    try:
        deadline = time.monotonic() + timeout
        while "taking queues" not in Path(output.name).read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the worker did not start:\n{Path(output.name).read_text()[-5000:]}"
                )
            time.sleep(0.1)
        yield proc
    except BaseException:
        sys.stderr.write(
            f"--- worker output ({output.name}) ---\n"
            f"{Path(output.name).read_text()[-20000:]}\n"
        )
        raise
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        output.close()
