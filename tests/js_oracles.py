"""The JavaScript oracles (snarkjs, circom2, circomlibjs) pinned in tests/js/package-lock.json.

``tool("snarkjs")`` returns the command that runs one, installing the locked packages with
``npm ci`` on first use, once even when several pytest-xdist workers ask at the same time. A
machine without node fails the interop tests loudly: they are part of the suite, not optional
extras.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

JS = Path(__file__).resolve().parent / "js"


@lru_cache(maxsize=None)
def installed() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise RuntimeError("node and npm are needed for the interop tests (apt-get install nodejs npm)")
    # `npm ci` first deletes node_modules: a second worker must neither run it alongside nor use
    # the tools meanwhile, so the check and the install hold a lock on the folder
    folder = os.open(JS, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        if not _up_to_date():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=JS, check=True)
    finally:
        os.close(folder)  # releases the lock
    return JS / "node_modules"


def _up_to_date() -> bool:
    """Whether node_modules holds what the lock file pins (npm's own record of what it installed,
    node_modules/.package-lock.json, lists the same packages at the same versions)."""
    installed_record = JS / "node_modules" / ".package-lock.json"
    if not installed_record.exists():
        return False

    def pinned(lock: Path) -> dict:
        packages = json.loads(lock.read_text())["packages"]
        return {name: entry.get("version") for name, entry in packages.items() if name}

    return pinned(installed_record) == pinned(JS / "package-lock.json")


def tool(name: str) -> list[str]:
    """The command line of an npm-installed binary, e.g. ``tool("snarkjs") + ["--help"]``."""
    return [str(installed() / ".bin" / name)]


def run(name: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run an oracle; the result keeps its output for the assertion messages."""
    return subprocess.run(tool(name) + list(args), cwd=cwd, capture_output=True, text=True, timeout=300)
