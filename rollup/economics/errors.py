"""Errors of the economics room: fees, their distribution, rewards."""

from __future__ import annotations

from prozchain.native.errors import ProzError


class EconomicsError(ProzError):
    """Base of every error of the economics room."""


class FeeTooLow(EconomicsError):
    """A transaction whose signed fee does not cover what the block requires."""


class Unbalanced(EconomicsError):
    """A payout the fee ledger cannot make: more than a pool holds, or to no one."""
