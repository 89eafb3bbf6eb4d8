"""Errors of the cross-layer fabric. Each is raised before anything moves: the bridge checks
the request against L1's records first, and the contracts refuse the same requests again."""

from __future__ import annotations

from prozchain.native.errors import ProzError


class CrossLayerError(ProzError):
    """Base of every error of the cross-layer fabric."""


class UnknownAsset(CrossLayerError):
    """An L1 token the asset registry does not know on any layer."""


class WrongRoute(CrossLayerError):
    """A (token, layer) pair with no canonical representation, or a representation that is not
    the canonical one of its route."""


class AboveEscrow(CrossLayerError):
    """A withdrawal larger than what the route's escrow (or the user's balance there) holds."""


class NotFinal(CrossLayerError):
    """A withdrawal finalized before its layer's finality rule holds."""


class AlreadyFinalized(CrossLayerError):
    """A second finalization of the same withdrawal."""
