"""The README's examples run as written, on every backend."""

from __future__ import annotations

import doctest
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_examples(prover_backend):
    failed, attempted = doctest.testfile(str(README), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert attempted >= 4, "the README lost its examples"
    assert not failed, f"{failed} of {attempted} README examples failed"


def test_readme_circuit_commands_run_as_shown(tmp_path):
    """The README's `prozchain circuit` block, run from the checkout exactly as written (its
    outputs moved under a scratch folder)."""
    import shlex
    import shutil
    import subprocess

    root = Path(__file__).resolve().parents[1]
    text = (root / "README.md").read_text()
    block = text[text.index("Circuits in Python compile to the same files:"):]
    block = block[block.index("```") + 3:]
    commands = [line for line in block[:block.index("```")].splitlines() if line.startswith("prozchain circuit")]
    assert len(commands) == 3
    prozchain = shutil.which("prozchain", path=str(Path(sys.executable).parent)) or "prozchain"
    for command in commands:
        args = [str(tmp_path / a) if a.startswith("build") else a for a in shlex.split(command)[1:]]
        run = subprocess.run([prozchain, *args], cwd=root, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, f"{command}\n{run.stderr[-1000:]}"
    assert (tmp_path / "build" / "witness.wtns").stat().st_size > 0
