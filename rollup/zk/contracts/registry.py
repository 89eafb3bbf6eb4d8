"""The rollup contract's verifier registry: circuit versions added and retired by governance
behind a time lock, so users see every change on L1 and have the delay to leave first.

A version is a verifier contract (its verification key is its code) and the shape of the
batches it proves: ``slots``, ``n_elements`` (data elements per slot) and ``types`` (a bit
per transaction type id it takes, :func:`types_mask`). Every batch names its version
(``ZkRollup.submit_batch(version, ...)``); the node decodes a batch with its version's types.

- Version 1 is the deployment's, usable at once.
- ``propose_version(version, verifier, slots, n_elements, types)``, governance only:
  ``version`` must be the next unused number, so a proposal sent again (or one whose number
  was cancelled) is refused: proposals cannot be replayed. The version becomes usable
  ``delay`` seconds later; until then ``VersionProposed`` and :meth:`VerifierRegistry.pending`
  announce it with its activation time.
- ``propose_retirement(version)``, governance only: batches of that version are refused from
  ``delay`` seconds on (batches verified under it stay verified); announced the same way.
- ``cancel(version)``, governance only: withdraws a pending proposal (its number is burnt) or
  a pending retirement.

The delay protects users only if it is longer than the rollup's deadline (the wait before a
censored L1 request lets anyone freeze the rollup and every user exit): a user who distrusts
a pending version queues a request, and if the operator will not serve it, freezes and exits
before the version can be used. Version 1's rules apply all along.

Storage: one word per version packs the verifier, the shape and the times (what
``submit_batch`` reads: two cold loads with the types word, as many as before the registry).

>>> from prozchain.rollup.l1 import Key
>>> from prozchain.rollup.zk.system import demo_rollup
>>> system, governance = demo_rollup(), Key.from_seed(b"deployer")
>>> chain, rollup = system.chain, system.rollup
>>> chain.transact(governance, rollup, "propose_version", 2, system.verifier, 2, 4, 0b1111).status
True
>>> chain.view(rollup, "pending"), chain.view(rollup, "usable", 2)
([Pending(version=2, change='activation', at=86400)], False)
>>> chain.transact(governance, rollup, "propose_version", 2, system.verifier, 2, 4, 0b1111).error
'Revert: version 2 was already proposed (proposals are not replayed); the next is 3'
>>> chain.advance_time(86_400)
>>> chain.view(rollup, "pending"), chain.view(rollup, "usable", 2)
([], True)
"""

from __future__ import annotations

from typing import Iterable, NamedTuple

from prozchain.circuits.txtypes import TxType
from prozchain.rollup.common.words import addr
from prozchain.rollup.l1 import Address, Contract, external
from prozchain.rollup.l1.errors import Revert

# (field, bits) of a version's packed word, from the least significant bit; times are uint32 seconds
LAYOUT = (("verifier", 160), ("slots", 16), ("n_elements", 8), ("active_from", 32), ("retire_at", 32),
          ("cancelled", 1))


def pack(**fields: int) -> int:
    word, shift = 0, 0
    for name, bits in LAYOUT:
        word |= fields.get(name, 0) << shift
        shift += bits
    return word


def unpack(word: int) -> dict[str, int]:
    out, shift = {}, 0
    for name, bits in LAYOUT:
        out[name] = (word >> shift) & ((1 << bits) - 1)
        shift += bits
    return out


def types_mask(types: Iterable[TxType]) -> int:
    """The registry's word for a set of transaction types: bit ``type_id`` set for each."""
    return sum(1 << t.type_id for t in set(types))


class Version(NamedTuple):
    """What :meth:`VerifierRegistry.version` returns (``retire_at`` 0: not retiring)."""

    verifier: Address
    slots: int
    n_elements: int
    types: int
    active_from: int
    retire_at: int
    cancelled: bool

    def takes(self, t: TxType) -> bool:
        return bool(self.types >> t.type_id & 1)


class Pending(NamedTuple):
    """A change announced and not in effect yet: ``change`` is "activation" or "retirement"."""

    version: int
    change: str
    at: int


class VerifierRegistry(Contract):
    """The registry part of the rollup contract (its storage is the rollup's); see the module doc."""

    def _init_registry(self, governance: Address, delay: int, verifier: Address, slots: int, n_elements: int,
                       types: int) -> None:
        self.store("governance", value=int(governance, 16))
        self.store("upgrade_delay", value=delay)
        self._put_version(1, verifier, slots, n_elements, types, active_from=0)

    def _put_version(self, version: int, verifier: Address, slots: int, n_elements: int, types: int,
                     active_from: int) -> None:
        self.require(0 < slots < 1 << 16 and 0 < n_elements < 1 << 8, "slots or n_elements out of range")
        self.require(types & 1, "a version's types include noop (type 0), which pads its batches")
        self.store("version", version, value=pack(verifier=int(verifier, 16), slots=slots, n_elements=n_elements,
                                                  active_from=active_from))
        self.store("version_types", version, value=types)
        self.store("next_version", value=version + 1)

    def _only_governance(self) -> None:
        self.require(self.sender == addr(self.load("governance")), "only governance changes verifier versions")

    def _eta(self) -> int:
        eta = self.timestamp + self.load("upgrade_delay")
        self.require(eta < 1 << 32, "activation time past 2^32 seconds")
        return eta

    # -- governance -------------------------------------------------------------------------------
    @external
    def propose_version(self, version: int, verifier: Address, slots: int, n_elements: int, types: int) -> int:
        """Announce ``version``, usable after the delay; returns its activation time."""
        self._only_governance()
        expected = self.load("next_version")
        self.require(version == expected, f"version {version} was already proposed (proposals are not replayed); "
                     f"the next is {expected}" if version < expected else f"the next version is {expected}, not {version}")
        eta = self._eta()
        self._put_version(version, verifier, slots, n_elements, types, active_from=eta)
        self.emit("VersionProposed", version, args=(version, verifier, slots, n_elements, types, eta))
        return eta

    @external
    def propose_retirement(self, version: int) -> int:
        """Announce that batches of ``version`` are refused after the delay; returns that time."""
        self._only_governance()
        v = self._version(version)
        self.require(not v.cancelled and not v.retire_at, f"version {version} is cancelled or already retiring")
        eta = self._eta()
        self.store("version", version, value=self.load("version", version) | pack(retire_at=eta))
        self.emit("RetirementProposed", version, args=(version, eta))
        return eta

    @external
    def cancel(self, version: int) -> None:
        """Withdraw the pending activation (its number stays used) or retirement of ``version``."""
        self._only_governance()
        v, word = self._version(version), self.load("version", version)  # the second load is warm
        if not v.cancelled and self.timestamp < v.active_from:
            self.store("version", version, value=word | pack(cancelled=1))
            self.emit("VersionCancelled", version, args=(version, "activation"))
        elif self.timestamp < v.retire_at:
            self.store("version", version, value=word & ~pack(retire_at=(1 << 32) - 1))
            self.emit("VersionCancelled", version, args=(version, "retirement"))
        else:
            self.require(False, f"version {version} has no pending change to cancel")

    # -- views and the batch check -----------------------------------------------------------------
    def _version(self, version: int) -> Version:
        word = self.load("version", version)
        self.require(word, f"unknown verifier version {version}")  # a proposed version's word holds its verifier
        fields = unpack(word)
        fields.update(verifier=addr(fields["verifier"]), cancelled=bool(fields["cancelled"]))
        return Version(**fields, types=self.load("version_types", version))

    def _usable_version(self, version: int) -> Version:
        """``version`` if batches of it are accepted now, else a revert saying why."""
        v = self._version(version)
        self.require(not v.cancelled, f"version {version} was cancelled")
        self.require(self.timestamp >= v.active_from,
                     f"version {version} is not active until t={v.active_from} (now t={self.timestamp})")
        self.require(not v.retire_at or self.timestamp < v.retire_at, f"version {version} was retired at t={v.retire_at}")
        return v

    @external
    def version(self, version: int) -> Version:
        return self._version(version)

    @external
    def usable(self, version: int) -> bool:
        """Whether a batch of ``version`` is accepted now."""
        try:
            self._usable_version(version)
        except Revert:
            return False
        return True

    @external
    def pending(self) -> list[Pending]:
        """Announced changes not in effect yet, oldest version first."""
        out = []
        for number in range(1, self.load("next_version")):
            v = self._version(number)
            if not v.cancelled and self.timestamp < v.active_from:
                out.append(Pending(number, "activation", v.active_from))
            if self.timestamp < v.retire_at:
                out.append(Pending(number, "retirement", v.retire_at))
        return out

    @external
    def next_version(self) -> int:
        """The number the next proposal must name."""
        return self.load("next_version")

    @external
    def governance(self) -> Address:
        return addr(self.load("governance"))
