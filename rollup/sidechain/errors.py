"""Errors of the sidechain room. All derive from :class:`prozchain.native.errors.ProzError`."""

from __future__ import annotations

from prozchain.native.errors import ProzError


class SidechainError(ProzError):
    """Base of every error of the sidechain and its bridge."""


class InvalidBlock(SidechainError):
    """A block that does not follow its parent: wrong height, parent, inbox or state root."""


class InvalidMessage(SidechainError, ValueError):
    """A consensus or bridge message that does not decode or is not signed as it claims."""
