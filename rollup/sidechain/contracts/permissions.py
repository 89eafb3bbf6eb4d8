"""The enterprise sidechain's membership on L1: a validator allow-list and a transaction
allow-list under one governance key, changed only at epoch boundaries.

The governance key (the deployer, or whom it hands over to) calls ``admit(who, role, enc_key)``
or ``remove(who, role)``; either takes effect at the staking contract's *next* epoch, so every
validator judges a block by the membership of the block's own epoch, which no later change
rewrites. ``allowed(role, who, epoch)`` answers for any epoch. Each member publishes an
encryption key (a compressed secp256k1 point, :mod:`~prozchain.rollup.sidechain.node.privacy`):
payloads are sealed to the :meth:`Permissions.roster` of the epoch.

The staking contract asks ``allowed(VALIDATOR, ...)`` before it takes a bond and again when it
snapshots each epoch's set (``link_gate``); validators ask ``allowed(MEMBER, ...)`` of every
transaction's sender, in the mempool and when they check a block.

>>> sorted(m for m in Permissions.methods if m in ("admit", "remove", "allowed", "roster"))
['admit', 'allowed', 'remove', 'roster']
"""

from __future__ import annotations

from typing import NamedTuple

from prozchain.rollup.common.words import addr
from prozchain.rollup.l1 import Address, Contract, external

VALIDATOR = 1  # may bond and validate
MEMBER = 2  # may send transactions


class Roster(NamedTuple):
    """What :meth:`Permissions.roster` returns: everyone allowed in an epoch (either role) and
    their encryption keys, in admission order."""

    addresses: list[str]
    enc_keys: list[bytes]


class Permissions(Contract):
    def constructor(self, staking: Address) -> None:
        self.store("governance", value=int(self.sender, 16))
        self.store("staking", value=int(staking, 16))

    def _next_epoch(self) -> int:
        return self.call(addr(self.load("staking")), "current_epoch") + 1

    def _govern(self) -> None:
        self.require(self.sender == addr(self.load("governance")), "only the governance key changes membership")

    @external
    def hand_over(self, governance: Address) -> None:
        """Move the governance key (e.g. to a multisig)."""
        self._govern()
        self.store("governance", value=int(governance, 16))

    @external
    def admit(self, who: Address, role: int, enc_key: bytes) -> int:
        """Allow ``who`` in ``role`` from the next epoch on; returns that epoch."""
        self._govern()
        self.require(role in (VALIDATOR, MEMBER), f"unknown role {role}")
        self.require(len(enc_key) == 33, "an encryption key is a 33-byte compressed point")
        if not self.load("known", who):
            n = self.load("entries")
            self.store("entry", n, value=int(who, 16))
            self.store("entries", value=n + 1)
            self.store("known", who, value=1)
        epoch = self._next_epoch()
        self.store("since", role, who, value=epoch)
        self.store("until", role, who, value=0)
        self.store("enc_prefix", who, value=enc_key[0])  # a point's 33 bytes span two words
        self.store("enc_x", who, value=int.from_bytes(enc_key[1:], "big"))
        self.emit("Admitted", who, role, args=(who, role, epoch))
        return epoch

    @external
    def remove(self, who: Address, role: int) -> int:
        """End ``who``'s ``role`` at the next epoch; returns that epoch."""
        self._govern()
        self.require(self.load("since", role, who) > 0, f"{who} does not hold role {role}")
        epoch = self._next_epoch()
        self.store("until", role, who, value=epoch)
        self.emit("Removed", who, role, args=(who, role, epoch))
        return epoch

    @external
    def allowed(self, role: int, who: Address, epoch: int) -> bool:
        return self._allowed(role, who, epoch)

    def _allowed(self, role: int, who: str, epoch: int) -> bool:
        since, until = self.load("since", role, who), self.load("until", role, who)
        return 0 < since <= epoch and (until == 0 or epoch < until)

    @external
    def roster(self, epoch: int) -> Roster:
        out = Roster([], [])
        for i in range(self.load("entries")):
            who = addr(self.load("entry", i))
            if self._allowed(VALIDATOR, who, epoch) or self._allowed(MEMBER, who, epoch):
                out.addresses.append(who)
                out.enc_keys.append(bytes([self.load("enc_prefix", who)]) + self.load("enc_x", who).to_bytes(32, "big"))
        return out
