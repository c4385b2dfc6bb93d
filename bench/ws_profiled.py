"""daphne under pyinstrument, for `bench/ws.py --profile FILE`: where the app's
event loop spends its time per frame (the main thread: Channels, the consumer,
daphne). Run as `python bench/ws_profiled.py FILE <daphne's arguments>`; the
profile is written to FILE (text) when daphne exits (on SIGTERM, as Twisted stops).

`--smoke` (tests/bench): `bench/ws.py --smoke --profile` through this wrapper, and
the profile it wrote names the consumer's code."""

import atexit
import subprocess
import sys
import tempfile
from pathlib import Path

from daphne.cli import CommandLineInterface
from pyinstrument import Profiler


def smoke() -> None:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "profile.txt"
        bench = Path(__file__).with_name("ws.py")
        subprocess.run(
            [sys.executable, str(bench), "--smoke", "--profile", str(out)], check=True
        )
        if "transcription" not in out.read_text():
            sys.exit(f"bench/ws_profiled.py --smoke: no consumer frame in {out}")


def main() -> None:
    if sys.argv[1:] == ["--smoke"]:
        return smoke()
    out = Path(sys.argv[1])
    profiler = Profiler(interval=0.0005, async_mode="disabled")

    def write() -> None:
        profiler.stop()
        out.write_text(profiler.output_text(color=False, unicode=False))

    atexit.register(write)
    sys.argv = ["daphne", *sys.argv[2:]]
    profiler.start()
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
