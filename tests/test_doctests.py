"""Every docstring example in the packages runs, once per backend."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["native", "relations", "prover", "circuits", "rollup", "bench", "testing"]


def modules_with_examples() -> list[str]:
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.name.startswith("test_") or ">>>" not in path.read_text():
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            names.append(".".join(("prozchain", *(parts[:-1] if parts[-1] == "__init__" else parts))))
    return names


@pytest.mark.parametrize("name", modules_with_examples())
def test_docstring_examples(prover_backend, name):
    module = importlib.import_module(name)
    failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert attempted, f"{name} has no examples"
    assert not failed, f"{failed} of {attempted} examples failed in {name}"
