"""Every benchmark still runs: `python bench/<script>.py --smoke`, for each script.

The figures' runs stay manual (minutes each, and some read the development data sets); `--smoke` runs
a script on tiny data that ships in the repository or that it makes, for a few
seconds, and exits non-zero when the script breaks. A script is a Python file in
bench/ that runs as a program (`if __name__ == "__main__"`): a new one is covered
here without a word, and must take `--smoke`.

Each run gets this test's database and Redis database (a production-like
environment, tests/browser.py), flushed after it like any test's.
"""

import subprocess
import sys

import pytest

from tests.browser import live_server_env
from tests.live import ROOT
from tests.services import require_executable
from tests.waiting import DEADLINE

SCRIPTS = sorted(
    path.name
    for path in (ROOT / "bench").glob("*.py")
    if 'if __name__ == "__main__"' in path.read_text()
)
# The programs a script drives, beside Python (.ci/run installs them).
NEEDS = {"api.py": ["wrk", "nginx"], "ws.py": ["espeak-ng", "sox"]}


def test_the_scripts_are_found():
    assert {"api.py", "ws.py", "notes.py", "admin_residents.py"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_script_runs_in_smoke_mode(script, transactional_db):
    """Slow for a test (seconds of child processes: servers, workers, the load),
    because a benchmark's smoke run is the benchmark's own code end to end."""
    for program in NEEDS.get(script, []):
        require_executable(program, f"bench/{script}")
    done = subprocess.run(
        [sys.executable, f"bench/{script}", "--smoke"],
        cwd=ROOT,
        env=live_server_env(),
        capture_output=True,
        text=True,
        # Several child processes start on the way: a hang, not the work, ends it.
        timeout=3 * DEADLINE,
    )
    assert done.returncode == 0, (
        f"bench/{script} --smoke exited {done.returncode}\n"
        f"--- stdout ---\n{done.stdout[-6000:]}\n--- stderr ---\n{done.stderr[-6000:]}"
    )
