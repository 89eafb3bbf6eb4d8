"""Errors of the shielded pool's off-chain side (on-chain failures are L1 reverts)."""

from __future__ import annotations

from prozchain.native.errors import ProzError


class ShieldedError(ProzError):
    """Base of the shielded pool's errors."""


class NotEnoughNotes(ShieldedError):
    """A wallet's unspent notes do not cover what it was asked to pay."""
