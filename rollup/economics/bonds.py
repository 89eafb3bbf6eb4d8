"""One ledger for every bond on L1: proposer and challenger deposits, operator and sequencer
bonds, validator stakes, exit bonds and state channels' reserves are all entries of
:class:`BondLedger`.

A bond is ether one party (the *owner*) puts at stake under the rules of another contract
(the *controller*: whichever contract called ``lock``). Only the controller ends it, and every
change carries a reason that the ledger records in its events:

- ``lock(owner, amount, kind, reason)`` (payable, ``msg.value == amount > 0``) opens a bond and
  returns its id; ``kind`` names what it backs ("proposer", "challenger", "operator", "exit",
  "stake", "reserve", ...); any string is a kind.
- ``release(bond_id, reason)`` pays what the bond still holds back to its owner and closes it;
  returns that amount.
- ``release_to(bond_id, payees, amounts, reason)`` pays what the bond holds to several parties
  (``amounts`` must add up to exactly what it holds) and closes it: a channel's reserve ends by
  paying its final split. Each payee is recorded as one release with the reason.
- ``add(bond_id, reason)`` (payable, ``msg.value > 0``) puts more into an open bond (a validator
  adding to its stake); it counts as locked.
- ``slash(bond_id, amount, to, reason)`` pays ``amount`` of what the bond holds to ``to`` (a
  winner, a victim, ``BURN``); the bond stays open with the rest, and closes when nothing is left.
- ``bond(bond_id)`` -> :class:`Bond`; ``totals()`` -> :class:`Totals`.

Conservation, checked by the contract after every step (a step that broke it would revert):
``locked == held + released + slashed`` and the ledger's ether balance equals ``held``.
Off chain, :func:`history` reads every event with its reason, :func:`bonds` lists bonds by
owner and kind, and :func:`conserved` re-checks the totals against that history.

>>> from prozchain.rollup.l1 import Chain, Key
>>> alice, bob = Key.from_seed(b"alice"), Key.from_seed(b"bob")
>>> chain = Chain({alice.address: 10**18, bob.address: 10**18})
>>> ledger, _ = chain.deploy(alice, BondLedger)
>>> bid = chain.transact(alice, ledger, "lock", alice.address, 1000, "operator", "demo", value=1000,
...                      gas_limit=200_000).return_value
>>> chain.transact(alice, ledger, "slash", bid, 300, bob.address, "missed a deadline").status
True
>>> chain.transact(alice, ledger, "release", bid, "retired").return_value
700
>>> chain.view(ledger, "totals")
Totals(locked=1000, held=0, released=700, slashed=300)
>>> [(e.action, e.amount, e.reason) for e in history(chain, ledger)]
[('lock', 1000, 'demo'), ('slash', 300, 'missed a deadline'), ('release', 700, 'retired')]
>>> conserved(chain, ledger)
True
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from prozchain.rollup.common.words import addr
from prozchain.rollup.l1 import Address, Chain, Contract, external, keccak256, to_address

BURN = "0x000000000000000000000000000000000000dead"
"""Where burnt value goes: slashing to it destroys the amount for every practical purpose."""

_ADDRESS_BITS = 160


def kind_tag(kind: str) -> int:
    """The 96-bit tag a bond stores for its kind (the first 12 bytes of ``keccak(kind)``)."""
    return int.from_bytes(keccak256(kind.encode())[:12], "big")


class Bond(NamedTuple):
    """What :meth:`BondLedger.bond` returns."""

    owner: str
    controller: str
    kind_tag: int  # :func:`kind_tag` of its kind
    held: int  # what it still holds
    open: bool


class Totals(NamedTuple):
    """What :meth:`BondLedger.totals` returns: every wei ever locked, and where it is now."""

    locked: int
    held: int
    released: int
    slashed: int


class BondLedger(Contract):
    """The L1 contract holding every bond; see the module docstring for its rules."""

    @external(payable=True)
    def lock(self, owner: Address, amount: int, kind: str, reason: str) -> int:
        self.require(amount > 0 and self.value == amount, "a bond locks its amount as msg.value")
        self.require(kind and reason, "a bond needs a kind and a reason")
        bond_id = self.load("bonds") + 1
        self.store("bonds", value=bond_id)
        self.store("owner_kind", bond_id, value=int(owner, 16) << 96 | kind_tag(kind))
        self.store("controller", bond_id, value=int(self.sender, 16))
        self.store("held", bond_id, value=amount)
        self.store("locked", value=self.load("locked") + amount)
        self.emit("BondLocked", bond_id, owner, self.sender,
                  args=(bond_id, owner, self.sender, kind, amount, reason))
        self._check()
        return bond_id

    @external(payable=True)
    def add(self, bond_id: int, reason: str) -> int:
        """Put ``msg.value`` more into an open bond of the caller; returns what it now holds."""
        held = self._controlled(bond_id, reason) + self.value
        self.require(self.value > 0, "an addition carries value")
        self.store("held", bond_id, value=held)
        self.store("locked", value=self.load("locked") + self.value)
        owner = addr(self.load("owner_kind", bond_id) >> 96)
        self.emit("BondAdded", bond_id, owner, args=(bond_id, owner, self.value, reason))
        self._check()
        return held

    @external
    def release(self, bond_id: int, reason: str) -> int:
        held = self._controlled(bond_id, reason)
        owner = addr(self.load("owner_kind", bond_id) >> 96)
        self.store("held", bond_id, value=0)
        self.store("released", value=self.load("released") + held)
        self.emit("BondReleased", bond_id, owner, args=(bond_id, owner, held, reason))
        self.transfer(owner, held)
        self._check()
        return held

    @external
    def release_to(self, bond_id: int, payees: list[Address], amounts: list[int], reason: str) -> None:
        held = self._controlled(bond_id, reason)
        self.require(len(payees) == len(amounts) and sum(amounts) == held,
                     f"a release to several parties pays exactly the {held} bond {bond_id} holds")
        self.store("held", bond_id, value=0)
        self.store("released", value=self.load("released") + held)
        for to, amount in zip(payees, amounts):
            if amount:
                self.emit("BondReleased", bond_id, to, args=(bond_id, to, amount, reason))
                self.transfer(to, amount)
        self._check()

    @external
    def slash(self, bond_id: int, amount: int, to: Address, reason: str) -> None:
        held = self._controlled(bond_id, reason)
        self.require(0 < amount <= held, f"bond {bond_id} holds {held}, cannot slash {amount}")
        self.require(to_address(to) != self.address, "slashed value leaves the ledger")
        self.store("held", bond_id, value=held - amount)
        self.store("slashed", value=self.load("slashed") + amount)
        self.emit("BondSlashed", bond_id, to, args=(bond_id, to, amount, reason))
        self.transfer(to, amount)
        self._check()

    @external
    def bond(self, bond_id: int) -> Bond:
        self.require(0 < bond_id <= self.load("bonds"), f"no bond {bond_id}")
        owner_kind, held = self.load("owner_kind", bond_id), self.load("held", bond_id)
        return Bond(addr(owner_kind >> 96), addr(self.load("controller", bond_id)),
                    owner_kind & ((1 << 96) - 1), held, held > 0)

    @external
    def totals(self) -> Totals:
        locked, released, slashed = self.load("locked"), self.load("released"), self.load("slashed")
        return Totals(locked, locked - released - slashed, released, slashed)

    def _controlled(self, bond_id: int, reason: str) -> int:
        """What an open bond of the caller holds (a bond is open while it holds anything)."""
        self.require(0 < bond_id <= self.load("bonds"), f"no bond {bond_id}")
        self.require(self.load("controller", bond_id) == int(self.sender, 16),
                     f"only the contract that locked bond {bond_id} may end it")
        self.require(reason, "every release and slash needs a reason")
        held = self.load("held", bond_id)
        self.require(held > 0, f"bond {bond_id} is closed")
        return held

    def _check(self) -> None:
        """Whatever happened, the ledger holds exactly what its open bonds hold."""
        totals = self.totals()
        self.require(self.balance_of(self.address) == totals.held,
                     f"bond ledger out of balance: holds {self.balance_of(self.address)}, bonds {totals.held}")


# -- off chain: the ledger's record, read from its events ---------------------------------------
class BondEvent(NamedTuple):
    """One recorded change of a bond: ``action`` is "lock", "add", "release" or "slash"; ``party`` is
    the owner (lock, add, release) or whoever received the released (by ``release_to``) or slashed
    amount."""

    block: int
    action: str
    bond_id: int
    party: str
    amount: int
    reason: str
    kind: str = ""  # set on "lock"
    controller: str = ""  # set on "lock"


_ACTIONS = {"BondAdded": "add", "BondReleased": "release", "BondSlashed": "slash"}


def history(chain: Chain, ledger: str) -> list[BondEvent]:
    """Every lock, addition, release and slash of ``ledger``, in order, with its reason."""
    events = []
    for block, log in chain.logs(ledger):
        if log.name == "BondLocked":
            bond_id, owner, controller, kind, amount, reason = log.args
            events.append(BondEvent(block, "lock", bond_id, owner, amount, reason, kind, controller))
        elif log.name in _ACTIONS:
            bond_id, party, amount, reason = log.args
            events.append(BondEvent(block, _ACTIONS[log.name], bond_id, party, amount, reason))
    return events


class BondRecord(NamedTuple):
    """A bond as its history tells it (what :func:`bonds` lists)."""

    bond_id: int
    owner: str
    controller: str
    kind: str
    amount: int  # locked (with additions)
    held: int  # still held
    released: int
    slashed: int


def bonds(chain: Chain, ledger: str, owner: Optional[str] = None, kind: Optional[str] = None) -> list[BondRecord]:
    """The bonds of ``ledger`` (optionally only ``owner``'s, only of ``kind``), from its history."""
    records: dict[int, BondRecord] = {}
    for e in history(chain, ledger):
        if e.action == "lock":
            records[e.bond_id] = BondRecord(e.bond_id, e.party, e.controller, e.kind, e.amount, e.amount, 0, 0)
            continue
        r = records[e.bond_id]
        if e.action == "add":
            records[e.bond_id] = r._replace(amount=r.amount + e.amount, held=r.held + e.amount)
        elif e.action == "release":
            records[e.bond_id] = r._replace(held=r.held - e.amount, released=r.released + e.amount)
        else:
            records[e.bond_id] = r._replace(held=r.held - e.amount, slashed=r.slashed + e.amount)
    return [r for r in records.values()
            if (owner is None or to_address(r.owner) == to_address(owner)) and (kind is None or r.kind == kind)]


def conserved(chain: Chain, ledger: str) -> bool:
    """Whether ``locked == held + released + slashed``, the ledger's balance is ``held``, and the
    totals agree with the sum of its recorded events."""
    totals = chain.view(ledger, "totals")
    records = bonds(chain, ledger)
    return (totals.locked == totals.held + totals.released + totals.slashed
            and chain.state.balance(ledger) == totals.held
            and totals == Totals(sum(r.amount for r in records), sum(r.held for r in records),
                                 sum(r.released for r in records), sum(r.slashed for r in records)))
