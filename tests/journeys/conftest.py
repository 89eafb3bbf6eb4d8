"""The three users' journeys, walked as a user walks them: the installed ``prozchain`` command
and ``pytest`` of this environment, run as child processes in a folder of the user's, once in a
fresh folder outside the source tree and once in a folder holding the checkout (its top-level
folders and files, linked), where a checkout's ``native/`` or ``circuits/`` could shadow the
installed package. What the user types and writes comes from the README and docs/.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


@pytest.fixture(params=["fresh folder", "checkout"])
def folder(request, tmp_path: Path) -> Path:
    """The user's current folder: empty, or holding the checkout."""
    if request.param == "checkout":
        for entry in ROOT.iterdir():
            if entry.name not in (".git", ".venv") and not entry.name.startswith("."):
                (tmp_path / entry.name).symlink_to(entry)
    return tmp_path


def run(cwd: Path, command: str, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    """``command`` (``prozchain``, ``pytest``) from this environment's bin, as a user runs it in
    ``cwd``: nothing of the test process's import path leaks in. Fails with the output unless it
    exits 0."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS")}
    done = subprocess.run([str(BIN / command), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env)
    assert done.returncode == 0, f"{command} {' '.join(args)}: exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def block_after(page: str, marker: str, fence: str) -> str:
    """The first ``fence`` code block after ``marker`` on ``page`` (a path under the checkout)."""
    text = (ROOT / page).read_text()
    at = text.index(marker)
    match = next(m for m in FENCE.finditer(text, at) if m.group(1) == fence)
    return match.group(2)
