"""The JS oracles (circomlibjs, snarkjs, circom2, circomlib sources) for the interop tests.

``js`` is session-scoped: it installs tests/js's locked packages through
:func:`tests.js_oracles.installed` (``npm ci`` on first use; no node is a loud failure, as for
every interop test) and returns helpers to run the tools.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import js_oracles


@dataclass
class JsTools:
    root: Path

    def run(self, *args: str, cwd: Path | None = None, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            ["node", *args], cwd=cwd or self.root, input=stdin, capture_output=True, text=True, timeout=300
        )
        if check and result.returncode != 0:
            raise AssertionError(f"node {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    def oracle(self, request: dict):
        """Ask circomlibjs (tests/js/oracle.cjs) one question."""
        return json.loads(self.run(str(self.root / "oracle.cjs"), stdin=json.dumps(request)).stdout)

    def snarkjs(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run(str(self.root / "node_modules/snarkjs/cli.js"), *args, check=check)

    def circom(self, source: str, name: str, workdir: Path) -> Path:
        """Compile circom source (which may include circomlib/circuits/...) to .r1cs and wasm in workdir.

        circom2 runs under WASI and sees only its working directory, so circomlib's sources are
        copied there rather than linked.
        """
        shutil.copytree(self.root / "node_modules/circomlib/circuits", workdir / "circomlib/circuits", dirs_exist_ok=True)
        (workdir / f"{name}.circom").write_text(source)
        self.run(str(self.root / "node_modules/circom2/cli.js"), f"{name}.circom", "--r1cs", "--wasm", "-o", ".", cwd=workdir)
        return workdir


@pytest.fixture(scope="session")
def js() -> JsTools:
    return JsTools(js_oracles.installed().parent)
