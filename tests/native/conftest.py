"""The kernel backends the MSM and NTT tests compare: C, numba, and the reference."""

from __future__ import annotations

import pytest

from prozchain import native


@pytest.fixture(scope="module")
def c():
    return native.get_backend("c")


@pytest.fixture(scope="module")
def numba_backend():
    return native.get_backend("numba")  # a dependency: its absence is a failure, not a skip


@pytest.fixture(scope="module")
def ref():
    return native.get_backend("reference")
