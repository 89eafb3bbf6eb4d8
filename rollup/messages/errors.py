"""Errors of the messages room's off-chain side (on-chain failures are L1 reverts)."""

from __future__ import annotations

from prozchain.native.errors import ProzError


class MessageError(ProzError):
    """Base of the messages room's errors."""


class NotProvable(MessageError):
    """A message that cannot be proven yet: its source has no claim (output, checkpoint) for it."""
