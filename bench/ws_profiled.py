"""daphne under pyinstrument, for `bench/ws.py --profile FILE`: where the app's
event loop spends its time per frame (the main thread: Channels, the consumer,
daphne). Run as `python bench/ws_profiled.py FILE <daphne's arguments>`; the
profile is written to FILE (text) when daphne exits (on SIGTERM, as Twisted stops)."""

import atexit
import sys
from pathlib import Path

from daphne.cli import CommandLineInterface
from pyinstrument import Profiler


def main() -> None:
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
