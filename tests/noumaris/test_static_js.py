"""Every page script parses: a merge that drops a brace breaks the whole page."""

import subprocess
from pathlib import Path

import pytest

from tests.services import require_executable
from tests.waiting import DEADLINE

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted(
    p
    for p in ROOT.glob("*/static/**/*.js")
    if ".venv" not in p.parts and not p.name.endswith(".min.js")
)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_script_parses(script):
    require_executable("node", "checking page scripts; apt-get install nodejs")
    done = subprocess.run(
        ["node", "--check", str(script)],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    assert done.returncode == 0, done.stderr
