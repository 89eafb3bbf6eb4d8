"""Errors of the reference L1. All derive from :class:`prozchain.native.errors.ProzError`.

Two families matter to the execution engine:

- :class:`Revert` undoes the current call's state changes and refunds the unused gas, like
  Solidity's ``revert``/``require``;
- :class:`ExceptionalHalt` (out of gas, a failing precompile) undoes them and consumes all the
  gas of the transaction, like the EVM's exceptional halts.
"""

from __future__ import annotations

from prozchain.native.errors import ProzError


class L1Error(ProzError):
    """Base of every error of the reference L1."""


class InvalidTransaction(L1Error):
    """A transaction that cannot be included in a block (bad signature, nonce, funds, fees)."""


class Revert(L1Error):
    """A contract call reverted on purpose; the message is the revert reason."""


class ExceptionalHalt(L1Error):
    """The EVM-style halt that consumes all remaining gas of the transaction."""


class OutOfGas(ExceptionalHalt):
    """A charge exceeded the transaction's gas limit; the message names the operation."""


class PrecompileFailure(ExceptionalHalt):
    """A precompile rejected its input (bad length, coordinate >= P, point off curve, ...)."""


class ABIError(L1Error, ValueError):
    """Data that does not match the ABI types it is decoded as or encoded from."""


class EncodingError(L1Error, ValueError):
    """A value with no encoding: an address that is not 20 bytes, a negative integer for RLP."""


class ChainUsageError(L1Error):
    """The chain was driven wrongly: time set backwards, contract code run outside a transaction."""
