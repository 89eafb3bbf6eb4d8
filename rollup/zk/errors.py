"""Errors of the ZK rollup's off-chain side (on-chain failures are L1 reverts)."""

from __future__ import annotations

from prozchain.native.errors import ProzError


class ZkRollupError(ProzError):
    """Base of the ZK rollup's errors."""
