"""Serve the app with daphne: `python -m noumaris.serve -b HOST -p PORT [daphne options]`.

With `WEB_WORKERS=1` (the default) this is daphne itself, replacing this process.
With more, this process binds a listening socket for each worker, all on the one
address with SO_REUSEPORT, and starts that many daphne processes, each serving its
own (`daphne --fd`); Linux spreads new connections evenly over the sockets. (One
socket shared by every worker let whichever woke first accept every connection
waiting: a proxy's kept-alive connections, opened together, could all land on one
worker while the others idled.) One Python process runs on one core at a time, so the
workers are what lets the server use more than one.

This process stays as their parent: SIGTERM or SIGINT stops every worker and exits 0.
If a worker dies on its own, it stops the others and exits 1, so that whatever
supervises the server (Docker, systemd) restarts it whole rather than running short.
Options it does not know (`--proxy-headers`, say) go to every daphne.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time

APPLICATION = "noumaris.asgi:application"
STOP_GRACE_SECONDS = 30
POLL_SECONDS = 0.2


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        prog="python -m noumaris.serve", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("-b", "--bind", default="127.0.0.1", help="IPv4 address")
    parser.add_argument("-p", "--port", type=int, default=8000)
    parser.add_argument(
        "--workers", type=int, help="daphne processes (default: WEB_WORKERS)"
    )
    return parser.parse_known_args(argv)


def workers_setting() -> int:
    """WEB_WORKERS, read (and checked) by the settings themselves."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noumaris.settings")
    from django.conf import settings

    from noumaris.env import exit_on_bad_configuration

    return exit_on_bad_configuration(lambda: settings.WEB_WORKERS)


def main(argv: list[str] | None = None) -> int:
    args, daphne_options = parse(sys.argv[1:] if argv is None else argv)
    workers = args.workers if args.workers is not None else workers_setting()
    if workers < 1:
        sys.exit("--workers must be at least 1")
    daphne = [sys.executable, "-m", "daphne", "-v", "0", *daphne_options]
    if workers == 1:
        command = [*daphne, "-b", args.bind, "-p", str(args.port), APPLICATION]
        os.execv(sys.executable, command)  # noqa: S606 - our own argv
    stopping: list[int] = []  # set by SIGTERM or SIGINT, before any worker starts
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.append(signum))
    signal.signal(signal.SIGINT, lambda signum, frame: stopping.append(signum))
    listeners = bind(args.bind, args.port, workers)
    children = []
    for listener in listeners:
        fd = listener.fileno()
        os.set_inheritable(fd, True)
        children.append(
            subprocess.Popen([*daphne, "--fd", str(fd), APPLICATION], pass_fds=(fd,))  # noqa: S603 - our own argv
        )
    for listener in listeners:
        listener.close()  # the workers hold them now
    say(
        f"{workers} daphne workers on {args.bind}:{args.port} "
        f"(pids {', '.join(str(child.pid) for child in children)})"
    )
    exit_code = 0
    while not stopping:
        if dead := [child for child in children if child.poll() is not None]:
            say(
                f"worker {dead[0].pid} exited ({dead[0].returncode}); "
                "stopping the others"
            )
            exit_code = 1
            break
        time.sleep(POLL_SECONDS)
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    return exit_code


def bind(host: str, port: int, count: int) -> list[socket.socket]:
    """`count` listening sockets on (host, port) with SO_REUSEPORT, or, where the
    platform has none, one socket that every worker shares."""
    if not hasattr(socket, "SO_REUSEPORT"):
        return [socket.create_server((host, port), backlog=1024)] * count
    # SO_REUSEPORT would also let these share the port with a server already on it
    # (a second `make run`, say): bind plainly first, so a taken port still fails
    # loudly, as it does with one worker.
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    return [
        socket.create_server((host, port), backlog=1024, reuse_port=True)
        for _ in range(count)
    ]


def say(message: str) -> None:
    print(f"noumaris.serve: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
