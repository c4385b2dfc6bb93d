"""Serve the app in a child process, as production does: the WSGI server, daphne,
and nginx in front with the repository's config."""

import concurrent.futures
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.fakes.tcp_proxy import free_port
from tests.services import require_executable
from tests.waiting import DEADLINE

ROOT = Path(__file__).resolve().parents[1]
NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf.template"


DAPHNE = "noumaris.asgi:application"


def started_together(stack: contextlib.ExitStack, *managers) -> list:
    """Enter `managers` (servers, workers) at once, each from its own thread, and
    leave them with `stack`; their values, in order. Child processes that each take
    seconds to start (importing Django, waiting to answer) start side by side, not
    one after another; if one fails to start, those started are stopped."""
    with concurrent.futures.ThreadPoolExecutor(len(managers)) as pool:
        entering = [pool.submit(manager.__enter__) for manager in managers]
        concurrent.futures.wait(entering)
    started = [
        manager
        for manager, entered in zip(managers, entering, strict=True)
        if entered.exception() is None
    ]

    def stop_together(*exc_info) -> None:  # a stop waits for its process: at once too
        with concurrent.futures.ThreadPoolExecutor(max(len(started), 1)) as pool:
            for stopping in [pool.submit(m.__exit__, *exc_info) for m in started]:
                stopping.result()

    stack.push(stop_together)
    for entered in entering:
        if entered.exception() is not None:
            stack.close()
            raise entered.exception()
    return [entered.result() for entered in entering]


@contextlib.contextmanager
def daphne(
    env: dict[str, str], *, port: int | None = None, timeout: float = DEADLINE
) -> Iterator[str]:
    """Start daphne with `env` as the image's `ws` service runs it (`-v 0`: no
    access log of daphne's own, ours is the app's); yield its base URL once /health
    answers. Under `make run` it serves HTTP too."""

    def command(port: int) -> list[str]:
        return ["-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p", str(port), DAPHNE]

    with _served(command, env, port=port, timeout=timeout) as base:
        yield base


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str], *, port: int | None = None, timeout: float = DEADLINE
) -> Iterator[str]:
    """Start the WSGI server as the image's `web` service runs it (gunicorn.conf.py,
    WEB_WORKERS and WEB_THREADS from `env`), on loopback."""

    def command(port: int) -> list[str]:
        config = ["-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
        return [*config, "-b", f"127.0.0.1:{port}"]

    with _served(command, env, port=port, timeout=timeout) as base:
        yield base


class PortTaken(RuntimeError):
    """Another process answered on the port chosen for a server: `free_port` only
    finds a port free at that moment, and a server in another test process may take
    it before this one binds (more likely the more test processes start servers)."""


@contextlib.contextmanager
def _served(command, env, *, port: int | None, timeout: float) -> Iterator[str]:
    """`serve(command(port), ...)` on `port`, or on a free port, chosen again when
    another process turns out to hold the one chosen (three tries)."""
    for attempt in range(3):
        chosen = port or free_port()
        stack = contextlib.ExitStack()
        try:
            base = stack.enter_context(
                serve(command(chosen), env, port=chosen, timeout=timeout)
            )
        except PortTaken:
            if port or attempt == 2:
                raise
            continue
        with stack:
            yield base
        return


@contextlib.contextmanager
def serve(
    command: list[str], env: dict[str, str], *, port: int, timeout: float = DEADLINE
) -> Iterator[str]:
    """Run `python <command>` (a server on `port`) until the block ends."""
    proc, output = _spawn(command, env, "server-")
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base + "/health", proc, timeout)
        if _holds(proc.pid, port) is False:
            raise PortTaken(f"another process answers on port {port}")
        yield base
    except BaseException:
        output.seek(0)
        sys.stderr.write(
            f"--- {command[1]} output ({output.name}) ---\n{output.read()[-20000:]}\n"
        )
        raise
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        output.close()


def render(template: str, values: dict[str, str]) -> str:
    """What the nginx image's envsubst does: only these `${NAME}`s, not nginx's own
    `$variables`."""
    return re.sub(r"\$\{(\w+)\}", lambda m: values.get(m[1], m[0]), template)


@contextlib.contextmanager
def nginx(
    *, web: str | list[str], ws: str | list[str], access_log: Path | None = None
) -> Iterator[str]:
    """Debian's nginx with deploy/nginx.conf.template, its own prefix and port (never
    the system's nginx), in front of `web` (host:port) and `ws`. Several `web` (or
    `ws`) servers are the upstream's several `server` lines: what nginx makes of one
    name with several addresses (compose's `--scale web=2`). The template logs to
    /dev/stdout: into `access_log` when given."""
    binary = require_executable(shutil.which("nginx") or "/usr/sbin/nginx", "the proxy")
    port = free_port()
    webs = [web] if isinstance(web, str) else web
    sockets = [ws] if isinstance(ws, str) else ws
    with tempfile.TemporaryDirectory(prefix="nginx-") as prefix:
        values = {
            "NOUMARIS_LISTEN": f"127.0.0.1:{port}",
            "NOUMARIS_WEB": ";\n    server ".join(webs),
            "NOUMARIS_WS": ";\n    server ".join(sockets),
        }
        Path(prefix, "noumaris.conf").write_text(
            render(NGINX_TEMPLATE.read_text(), values)
        )
        Path(prefix, "logs").mkdir()
        Path(prefix, "nginx.conf").write_text(
            "daemon off; worker_processes 1; pid nginx.pid;\n"
            "error_log logs/error.log warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            "  access_log off;\n"
            f"  client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy;\n"
            f"  fastcgi_temp_path {prefix}/fcgi; uwsgi_temp_path {prefix}/uwsgi;\n"
            f"  scgi_temp_path {prefix}/scgi;\n"
            "  include noumaris.conf;\n"
            "}\n"
        )
        stdout = access_log.open("ab") if access_log else subprocess.DEVNULL
        errors = Path(prefix, "logs", "stderr.log")
        with errors.open("w") as stderr:
            proc = subprocess.Popen(
                [binary, "-p", prefix, "-c", f"{prefix}/nginx.conf"],
                stdout=stdout,
                stderr=stderr,
            )
        proc.log_path = str(errors)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for(base + "/health", proc, DEADLINE)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            if access_log:
                stdout.close()


def _holds(pid: int, port: int) -> bool | None:
    """Whether process `pid` holds the socket listening on `port` (Linux's /proc);
    None where that cannot be told."""
    try:
        inodes = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{fields[9]}]")
        held = set()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):  # closed while we looked
                held.add(os.readlink(fd))
    except OSError:
        return None
    return bool(inodes & held)


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
                raise RuntimeError(f"the server exited early:\n{log.read()[-5000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback URL
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer {url} within {timeout}s")


def get(url: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=DEADLINE) as response:  # noqa: S310
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


@contextlib.contextmanager
def task_worker(
    env: dict[str, str],
    *,
    queues: str = "*",
    periodic: bool = True,
    timeout: float = DEADLINE,
) -> Iterator:
    """Start `manage.py run_worker` with `env` on `queues` (comma-separated, as
    compose.yaml's workers take them); yield the process once it beats."""
    command = ["manage.py", "run_worker", "-v", "1", "--queue-name", queues]
    if not periodic:
        command.append("--no-periodic")
    proc, output = _spawn(command, env, "worker-")
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
