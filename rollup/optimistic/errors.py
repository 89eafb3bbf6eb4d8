"""Errors of the optimistic rollup's off-chain side (on-chain failures are L1 reverts)."""

from __future__ import annotations

from prozchain.native.errors import ProzError


class RollupError(ProzError):
    """Base of the optimistic rollup's errors."""


class DerivationError(RollupError):
    """L1 data that does not derive an L2 batch (bad compression, roots that do not match)."""
