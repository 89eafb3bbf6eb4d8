"""A ZK rollup on a bare L1 driven by hand: the rig users get from ``prozchain.testing``."""

from __future__ import annotations

import pytest

from prozchain.testing.rig import Rig, make_rig


@pytest.fixture
def rig() -> Rig:
    return make_rig()
