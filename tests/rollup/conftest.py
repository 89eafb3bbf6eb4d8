"""Fixtures shared by the rollup tests: the arithmetic backend the precompiles run on."""

from __future__ import annotations

import os

import pytest

from native import get_backend
from native.backend import Backend
from tests.rollup import pyecc_shim


def pytest_report_header(config) -> str:
    return f"rollup precompile backend: {os.environ.get('PROZ_BACKEND') or 'c (default)'}"


@pytest.fixture(scope="session")
def backend() -> Backend:
    """``PROZ_BACKEND`` picks it; ``pyecc-shim`` is the test-only py_ecc stand-in."""
    if os.environ.get("PROZ_BACKEND") == pyecc_shim.NAME:
        return pyecc_shim.PyEccShim()
    return get_backend()
