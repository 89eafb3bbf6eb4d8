"""The README's examples run as written, on every backend (its commands: tests/test_doc_commands.py)."""

from __future__ import annotations

import doctest
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_examples(prover_backend):
    failed, attempted = doctest.testfile(str(README), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert attempted >= 4, "the README lost its examples"
    assert not failed, f"{failed} of {attempted} README examples failed"

