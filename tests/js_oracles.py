"""The JavaScript oracles (snarkjs, circom2, circomlibjs) pinned in tests/js/package-lock.json.

``tool("snarkjs")`` returns the command that runs one, installing the locked packages with
``npm ci`` on first use. A machine without node fails the interop tests loudly: they are part of
the suite, not optional extras.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

JS = Path(__file__).resolve().parent / "js"


@lru_cache(maxsize=None)
def installed() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise RuntimeError("node and npm are needed for the interop tests (apt-get install nodejs npm)")
    if not (JS / "node_modules" / ".package-lock.json").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=JS, check=True)
    return JS / "node_modules"


def tool(name: str) -> list[str]:
    """The command line of an npm-installed binary, e.g. ``tool("snarkjs") + ["--help"]``."""
    return [str(installed() / ".bin" / name)]


def run(name: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run an oracle; the result keeps its output for the assertion messages."""
    return subprocess.run(tool(name) + list(args), cwd=cwd, capture_output=True, text=True, timeout=300)
