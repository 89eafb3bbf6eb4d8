"""Errors of the SDK: a request no layer can serve, a transaction the status store does not know,
and a user operation a smart account or its paymaster refuses."""

from __future__ import annotations

from prozchain.native.errors import ProzError


class SdkError(ProzError):
    """Base of every error of the SDK."""


class UnknownTransaction(SdkError):
    """A transaction id the status store holds no record of."""


class NoRoute(SdkError):
    """No layer meets the user's limits (cost, time to finality, security) for a transfer."""


class UserOpRejected(SdkError):
    """A smart account's user operation refused before it ran: a bad signature, a replayed
    nonce, or a paymaster that will not pay."""
