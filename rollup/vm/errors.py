"""Errors of the L2 virtual machine. All derive from :class:`prozchain.native.errors.ProzError`."""

from __future__ import annotations

from prozchain.native.errors import ProzError


class VMError(ProzError):
    """Base of every error of the L2 VM."""


class InvalidWitness(VMError):
    """A step witness whose proofs or preimages do not match the roots they claim to open."""


class AssemblyError(VMError, ValueError):
    """Assembly source that does not assemble; the message names the line."""


class DecodeError(VMError, ValueError):
    """Bytes that are not a valid encoding of what they are decoded as."""
