"""The periodic jobs: every recurring piece of work, registered by the app it belongs
to in its `AppConfig.ready()` (so the import contract sees each edge).

Each worker's clock (noumaris.common.jobs.worker) looks at PERIODIC every
WORKER_HEARTBEAT_EVERY seconds. An entry whose time has come is claimed by exactly
one worker (a compare-and-set on its `PeriodicRun` row) and then either run there
(`inline`: short liveness work that must not wait behind a queue) or enqueued as an
ordinary task, so it shows in the admin, is retried by hand there and counted in
/metrics. To schedule new work, register an entry from the app's ready():

    periodic_register(
        "transcription.tickets_purge", dt.timedelta(hours=1), tasks.tickets_purge,
        doc="Delete WebSocket tickets that expired or were spent.",
    )
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Periodic:
    name: str
    every: dt.timedelta
    target: Any  # a Task (enqueued) or, when `inline`, a function (run in place)
    inline: bool = False
    doc: str = ""

    def load(self) -> Any:
        return self.target


PERIODIC: list[Periodic] = []


def periodic_register(
    name: str,
    every: dt.timedelta,
    target: Callable | Any,
    *,
    inline: bool = False,
    doc: str = "",
) -> None:
    """Schedule `target` every `every` (from an app's ready(); once per name)."""
    entry = Periodic(name, every, target, inline=inline, doc=doc)
    PERIODIC[:] = [e for e in PERIODIC if e.name != name] + [entry]
