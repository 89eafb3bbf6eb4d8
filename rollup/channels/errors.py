"""Errors of the state channel network's off-chain side (on-chain failures are L1 reverts)."""

from __future__ import annotations

from prozchain.native.errors import ProzError


class ChannelError(ProzError):
    """Base of every error of the channel network."""


class InvalidState(ChannelError):
    """A state that breaks a channel rule (balances do not add up, wrong channel, bad HTLC)."""


class StaleState(ChannelError):
    """A state older than (or skipping ahead of) the one the client holds."""


class ReplayedState(ChannelError):
    """A state the client has already signed and stored, offered again."""


class BadSignature(ChannelError):
    """A signature that does not recover to the party it claims to be from."""


class ConflictingState(ChannelError):
    """Signing this would be a second, different state for a version already signed."""


class RouteError(ChannelError):
    """No route meets the amount, capacity, fee and timelock budgets."""


class PaymentError(ChannelError):
    """A multi-hop payment that cannot proceed (bad preimage, expired lock, unknown HTLC)."""
