"""The asset registry on L1: every canonical L1 token and its one representation per layer,
and the escrow of each (token, layer) route.

- ``add_layer(layer, kind)`` (the owner): a layer id and how the registry reaches it (:data:`ZK`,
  :data:`OPTIMISTIC`, :data:`SIDECHAIN`, :data:`CHANNEL`).
- ``register(token, layer, representation)`` (the owner), once per route, like OP's
  mintable-token factory or zkSync's token list: a representation serves one route only. On a
  rollup or a channel network the representation is the instance deployed for that asset
  with this registry as its bank (:mod:`prozchain.rollup.l1.token`); on a sidechain it is the
  bridge, whose asset contract mints the token's canonical asset id.
- ``deposit(token, layer, amount, to)`` takes ``amount`` of ``token`` from the caller (approved
  first), adds it to the route's escrow and credits it on the layer: ``to`` holds the layer's
  recipient words (ZK: the Baby Jubjub key ``[ax, ay]``; optimistic: ``[recipient]``; channel:
  ``[counterparty, challenge period]``; sidechain: ``[recipient]``). A sidechain bridge keeps
  the tokens itself (per token, ``token_locked``); the registry counts that route's escrow from it.
- ``release(token, to, amount)``: only the canonical representation of a route of ``token``
  calls it, and only within that route's escrow, so one route cannot drain another.
  ``checks_routes=False`` deploys the broken registry of the ``defense=off`` control: one pool
  per token, paid to any caller.

:class:`HashLock` is the L1 leg of a cross-layer atomic swap.

>>> sorted(AssetRegistry.methods)[:4]
['add_layer', 'canonical', 'deposit', 'escrow']
"""

from __future__ import annotations

from typing import NamedTuple

from prozchain.rollup.common.words import addr, b32, word
from prozchain.rollup.l1 import Address, Bytes32, Contract, external
from prozchain.rollup.l1.token import NO_BANK

ZK, OPTIMISTIC, SIDECHAIN, CHANNEL = 1, 2, 3, 4
KIND_NAMES = {ZK: "zk rollup", OPTIMISTIC: "optimistic rollup", SIDECHAIN: "sidechain", CHANNEL: "channel"}


class Route(NamedTuple):
    """What :meth:`AssetRegistry.route_of` returns: the route a representation serves."""

    token: str
    layer: int


class AssetRegistry(Contract):
    def constructor(self, checks_routes: bool) -> None:
        self.store("owner", value=int(self.sender, 16))
        self.store("checks_routes", value=int(checks_routes))

    # -- governance ---------------------------------------------------------------------------
    @external
    def add_layer(self, layer: int, kind: int) -> None:
        self._only_owner()
        self.require(kind in KIND_NAMES, f"unknown layer kind {kind}")
        self.require(layer > 0 and not self.load("kind", layer), f"layer {layer} exists or is 0")
        self.store("kind", layer, value=kind)
        self.emit("LayerAdded", layer, args=(layer, kind))

    @external
    def register(self, token: Address, layer: int, representation: Address) -> None:
        self._only_owner()
        self.require(self.load("kind", layer), f"no layer {layer}")
        self.require(not self.load("canonical", token, layer), f"token {token} is registered on layer {layer} already")
        self.require(not self.load("route_layer", representation),
                     f"{representation} already represents another route")
        self.store("canonical", token, layer, value=int(representation, 16))
        self.store("route_token", representation, value=int(token, 16))
        self.store("route_layer", representation, value=layer)
        self.store("routes", token, value=self.load("routes", token) + 1)
        self.emit("Registered", token, layer, representation, args=(token, layer, representation))

    def _only_owner(self) -> None:
        self.require(self.sender == addr(self.load("owner")), "only the registry's owner")

    # -- value in -----------------------------------------------------------------------------
    @external
    def deposit(self, token: Address, layer: int, amount: int, to: list[int]) -> int:
        """Escrow ``amount`` of ``token`` for ``layer`` and credit it there; returns the layer's
        own deposit number (queue position, deposit index or channel id)."""
        rep = self.canonical(token, layer)
        self.require(rep != NO_BANK, f"token {token} has no representation on layer {layer}")
        self.require(amount > 0, "a deposit must carry value")
        kind = self.load("kind", layer)
        self.require(len(to) == (1 if kind in (OPTIMISTIC, SIDECHAIN) else 2),
                     f"a {KIND_NAMES[kind]} deposit names {1 if kind in (OPTIMISTIC, SIDECHAIN) else 2} recipient words")
        self.call(token, "transfer_from", self.sender, self.address, amount)
        self.emit("Escrowed", token, layer, args=(token, layer, self.sender, amount))
        if kind == SIDECHAIN:  # the sidechain's bridge holds the tokens (and counts them)
            self.call(token, "approve", rep, amount)
            return self.call(rep, "deposit_token", token, addr(to[0]), amount)
        self.store("escrow", token, layer, value=self.load("escrow", token, layer) + amount)
        if kind == ZK:
            return self.call(rep, "deposit_for", to[0], to[1], amount, self.sender)
        if kind == OPTIMISTIC:
            return self.call(rep, "deposit_for", addr(to[0]), amount)
        return self.call(rep, "open_for", self.sender, addr(to[0]), to[1], amount)

    # -- value out ----------------------------------------------------------------------------
    @external
    def release(self, to: Address, amount: int) -> None:
        """Pay ``amount`` of the caller's route token to ``to`` out of that route's escrow."""
        layer = self.load("route_layer", self.sender)
        self.require(layer, f"{self.sender} is not the canonical representation of any route")
        token = addr(self.load("route_token", self.sender))
        held = self.load("escrow", token, layer)
        if self.load("checks_routes"):
            self.require(amount <= held, f"release of {amount} is above the escrow {held} of route ({token}, {layer})")
        # the broken registry pays out of one pool per token, whatever its route holds
        self.store("escrow", token, layer, value=max(0, held - amount))
        self.emit("Released", token, to, args=(token, to, amount, self.sender))
        self.call(token, "transfer", to, amount)

    # -- views --------------------------------------------------------------------------------
    @external
    def canonical(self, token: Address, layer: int) -> Address:
        return addr(self.load("canonical", token, layer))

    @external
    def routes(self, token: Address) -> int:
        """How many layers ``token`` has a canonical representation on (0: an unknown asset)."""
        return self.load("routes", token)

    @external
    def route_of(self, representation: Address) -> Route:
        return Route(addr(self.load("route_token", representation)), self.load("route_layer", representation))

    @external
    def kind(self, layer: int) -> int:
        return self.load("kind", layer)

    @external
    def escrow(self, token: Address, layer: int) -> int:
        """What L1 holds for route (token, layer): the registry's count, or the sidechain bridge's."""
        if self.load("kind", layer) == SIDECHAIN:
            rep = self.canonical(token, layer)
            return self.call(rep, "token_locked", token) if rep != NO_BANK else 0
        return self.load("escrow", token, layer)


class RogueLayer(Contract):
    """The attacker's layer contract of the ``crosslayer-roundtrip`` scenario: a layer that
    governance listed (permissionless chains are listed so) whose bridge pays its owner
    whatever it asks, through the registry it banks at."""

    def constructor(self, registry: Address) -> None:
        self.store("registry", value=int(registry, 16))
        self.store("owner", value=int(self.sender, 16))

    @external
    def drain(self, amount: int) -> None:
        self.require(self.sender == addr(self.load("owner")), "only the owner")
        self.call(addr(self.load("registry")), "release", self.sender, amount)


class HashLock(Contract):
    """A hash- and time-locked payment of an L1 token, the L1 leg of a cross-layer swap
    (:mod:`~prozchain.rollup.crosslayer.swaps`). The lock is ``keccak(preimage || 0)``, what the
    L2 machine's ``HASH preimage, 0`` computes, so one secret opens both legs.

    - ``lock(token, recipient, lock, deadline, amount)`` takes the tokens (approved first);
    - ``claim(id, preimage)`` pays the recipient, strictly before the deadline, and records the
      preimage (the other party reads it here);
    - ``refund(id)`` (anyone) pays the locker back once the deadline has passed.
    """

    @external
    def lock(self, token: Address, recipient: Address, lock: Bytes32, deadline: int, amount: int) -> int:
        self.require(amount > 0 and deadline > self.timestamp, "a lock needs an amount and a future deadline")
        self.call(token, "transfer_from", self.sender, self.address, amount)
        lid = self.load("locks") + 1
        self.store("locks", value=lid)
        for name, value in (("token", int(token, 16)), ("locker", int(self.sender, 16)),
                            ("recipient", int(recipient, 16)), ("lock", word(lock)), ("deadline", deadline),
                            ("amount", amount)):
            self.store(name, lid, value=value)
        self.emit("Locked", lid, args=(lid, token, self.sender, recipient, lock, deadline, amount))
        return lid

    @external
    def claim(self, lid: int, preimage: Bytes32) -> None:
        amount = self.load("amount", lid)
        self.require(amount, f"lock {lid} is paid out or does not exist")
        self.require(self.timestamp < self.load("deadline", lid), f"lock {lid} expired")
        self.require(word(self.keccak(preimage + bytes(32))) == self.load("lock", lid), "wrong preimage")
        self.store("amount", lid, value=0)
        self.store("preimage", lid, value=word(preimage))
        self.emit("Claimed", lid, args=(lid, preimage))
        self.call(addr(self.load("token", lid)), "transfer", addr(self.load("recipient", lid)), amount)

    @external
    def refund(self, lid: int) -> None:
        amount = self.load("amount", lid)
        self.require(amount, f"lock {lid} is paid out or does not exist")
        self.require(self.timestamp >= self.load("deadline", lid), f"lock {lid} runs until {self.load('deadline', lid)}")
        self.store("amount", lid, value=0)
        self.emit("Refunded", lid, args=(lid,))
        self.call(addr(self.load("token", lid)), "transfer", addr(self.load("locker", lid)), amount)

    @external
    def preimage(self, lid: int) -> Bytes32:
        return b32(self.load("preimage", lid))
