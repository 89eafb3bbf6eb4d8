"""The examples in the docstrings run, on every backend."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "native",
    "native.backend",
    "native.c_backend",
    "native.reference",
    "prover",
    "prover.backend",
    "prover.curve",
    "prover.fields",
    "prover.pairing",
    "prover.twist",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(prover_backend, name):
    module = importlib.import_module(name)
    failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert attempted, f"{name} has no examples"
    assert not failed, f"{failed} of {attempted} examples failed in {name}"
