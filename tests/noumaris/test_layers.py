"""The apps' layering (pyproject.toml [tool.importlinter]) holds: no app imports an
app above it, and noumaris.common (the shared pieces) imports none (`make lint` checks
it too)."""

import subprocess
import sys
from pathlib import Path

from tests.waiting import DEADLINE

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-logo", "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
