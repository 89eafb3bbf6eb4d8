"""Channel states: turn-numbered, co-signed balances plus hash- and time-locked outputs.

A state is what both parties sign and what the adjudicator judges. It names the adjudicator and
chain (so a signature cannot be replayed on another contract or chain), the channel, a version
(Nitro's turn number), both balances, whether it is *final* (only a final state closes a channel
cooperatively), the HTLCs in flight and the *guarantees*: amounts a ledger channel locks for a
virtual channel (see :mod:`prozchain.rollup.channels.agents.virtual`), paid out by that virtual channel's outcome.
Value is conserved: balances plus HTLC and guarantee amounts always equal the channel's deposit.

>>> s = State("0x" + "ad" * 20, 1337, 0, 0, 60, 40)
>>> s2 = s.pay(0, 10).add_htlc(Htlc(1, 1, 5, keccak256(b"x"), 900))
>>> s2.version, s2.balance_a, s2.balance_b, s2.total
(2, 50, 45, 100)
>>> State.decode(s2.encode()) == s2
True
>>> s3 = s2.add_guarantee(Guarantee(7, 30, 0), from_left=20, from_right=10)
>>> s3.balance_a, s3.balance_b, s3.total, s3.resolve_guarantee(7, to_left=25).balance_a
(30, 35, 100, 55)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Iterable

from prozchain.rollup.l1 import abi
from prozchain.rollup.l1.crypto import Address, Key, keccak256, recover_address, to_address
from prozchain.rollup.l1.errors import ABIError, InvalidTransaction
from prozchain.rollup.channels.errors import BadSignature, InvalidState, PaymentError

STATE_TYPES = ["address", "uint256", "uint256", "uint256", "uint256", "uint256", "bool", "uint256[]", "uint256[]"]
HTLC_WORDS = 5
GUARANTEE_WORDS = 3
SIGNATURE_BYTES = 65
A, B = 0, 1
PREFUND = 1  # a virtual channel's first co-signed version, signed before any ledger locks funds
VIRTUAL_TYPES = ["address", "address", "address", "uint256", "uint256"]


@dataclass(frozen=True)
class Htlc:
    """A hash- and time-locked output: ``amount`` leaves party ``payer`` (0 = A, 1 = B) and
    goes to the other party if the preimage of ``hashlock`` is revealed on L1 strictly before
    ``expiry`` (an L1 timestamp); otherwise it returns to the payer."""

    hid: int
    payer: int
    amount: int
    hashlock: bytes
    expiry: int

    @property
    def payee(self) -> int:
        return 1 - self.payer

    def words(self) -> list[int]:
        return [self.hid, self.payer, self.amount, int.from_bytes(self.hashlock, "big"), self.expiry]


@dataclass(frozen=True)
class Guarantee:
    """``amount`` a ledger channel locks for virtual channel ``vid``. When the virtual channel
    concludes on L1 paying its party A ``x``, the ledger party ``left`` (0 = A) gets
    ``min(x, amount)`` and the other ledger party the rest."""

    vid: int
    amount: int
    left: int

    def words(self) -> list[int]:
        return [self.vid, self.amount, self.left]

    def split(self, to_virtual_a: int) -> tuple[int, int]:
        """``(to ledger A, to ledger B)`` when the virtual channel pays its A ``to_virtual_a``."""
        left = min(max(to_virtual_a, 0), self.amount)
        return (left, self.amount - left) if self.left == A else (self.amount - left, left)


@dataclass(frozen=True)
class VirtualParams:
    """The fixed part of a virtual channel A-B through ``intermediary``; its id is the keccak
    of :meth:`encode`, and its states are :class:`State` s whose ``channel`` is that id. The
    ``nonce`` must be fresh for every virtual channel of the same three parties: L1 keeps a
    concluded channel's outcome forever, and a guarantee for a reused id would be paid by it."""

    a: Address
    b: Address
    intermediary: Address
    period: int
    nonce: int

    def encode(self) -> bytes:
        return abi.encode(VIRTUAL_TYPES, [self.a, self.b, self.intermediary, self.period, self.nonce])

    @classmethod
    def decode(cls, data: bytes) -> "VirtualParams":
        try:
            a, b, i, period, nonce = abi.decode(VIRTUAL_TYPES, data)
        except ABIError as exc:
            raise InvalidState(f"undecodable virtual channel parameters: {exc}") from exc
        return cls(to_address(a), to_address(b), to_address(i), period, nonce)

    @property
    def vid(self) -> int:
        return int.from_bytes(keccak256(self.encode()), "big")

    def funded_message(self, adjudicator: Address, chain_id: int) -> bytes:
        """What the intermediary signs (its keccak, :meth:`funded_digest`) once both ledger
        channels lock their guarantees; only with that signature do states above
        :data:`PREFUND` count on L1."""
        return abi.encode(["string", "address", "uint256", "uint256"],
                          ["virtual channel funded", adjudicator, chain_id, self.vid])

    def funded_digest(self, adjudicator: Address, chain_id: int) -> bytes:
        return keccak256(self.funded_message(adjudicator, chain_id))


@dataclass(frozen=True)
class State:
    """One version of a channel between party A and party B."""

    adjudicator: Address
    chain_id: int
    channel: int
    version: int
    balance_a: int
    balance_b: int
    final: bool = False
    htlcs: tuple[Htlc, ...] = ()
    guarantees: tuple[Guarantee, ...] = ()

    # -- encoding and signing ----------------------------------------------------------------
    def encode(self) -> bytes:
        """The ABI bytes that go to L1; their keccak is what both parties sign."""
        words = [w for h in self.htlcs for w in h.words()]
        locks = [w for g in self.guarantees for w in g.words()]
        return abi.encode(STATE_TYPES, [self.adjudicator, self.chain_id, self.channel, self.version,
                                        self.balance_a, self.balance_b, self.final, words, locks])

    @classmethod
    def decode(cls, data: bytes) -> "State":
        """Inverse of :meth:`encode`; :class:`InvalidState` on malformed bytes."""
        try:
            adj, chain_id, channel, version, a, b, final, words, locks = abi.decode(STATE_TYPES, data)
        except ABIError as exc:
            raise InvalidState(f"undecodable state: {exc}") from exc
        if len(words) % HTLC_WORDS or len(locks) % GUARANTEE_WORDS:
            raise InvalidState(f"HTLC words come in fives and guarantee words in threes, "
                               f"got {len(words)} and {len(locks)}")
        htlcs = tuple(Htlc(w[0], w[1], w[2], w[3].to_bytes(32, "big"), w[4])
                      for w in (words[i:i + HTLC_WORDS] for i in range(0, len(words), HTLC_WORDS)))
        guarantees = tuple(Guarantee(*locks[i:i + GUARANTEE_WORDS]) for i in range(0, len(locks), GUARANTEE_WORDS))
        return cls(to_address(adj), chain_id, channel, version, a, b, final, htlcs, guarantees)

    @cached_property
    def digest(self) -> bytes:
        return keccak256(self.encode())

    def sign(self, key: Key) -> bytes:
        """``r || s || v`` (65 bytes) over :attr:`digest`."""
        v, r, s = key.sign(self.digest)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])

    def signer(self, signature: bytes) -> Address:
        """Who signed this state; :class:`BadSignature` if nobody recovers."""
        return recover_signer(self.digest, signature)

    # -- value -----------------------------------------------------------------------------
    @property
    def locked(self) -> int:
        """What HTLCs and guarantees hold outside both balances."""
        return sum(h.amount for h in self.htlcs) + sum(g.amount for g in self.guarantees)

    @property
    def total(self) -> int:
        return self.balance_a + self.balance_b + self.locked

    def balance(self, party: int) -> int:
        return self.balance_b if party else self.balance_a

    def htlc(self, hid: int) -> Htlc:
        for h in self.htlcs:
            if h.hid == hid:
                return h
        raise PaymentError(f"channel {self.channel} v{self.version} has no HTLC {hid}")

    def guarantee(self, vid: int) -> Guarantee:
        for g in self.guarantees:
            if g.vid == vid:
                return g
        raise InvalidState(f"channel {self.channel} v{self.version} guarantees no virtual channel {vid:#x}")

    def check(self, total: int) -> None:
        """:class:`InvalidState` unless the state is well formed and holds exactly ``total``."""
        if self.total != total:
            raise InvalidState(f"channel {self.channel} v{self.version} holds {self.total}, "
                               f"the deposit is {total}")
        ids = [h.hid for h in self.htlcs]
        if len(set(ids)) != len(ids):
            raise InvalidState(f"channel {self.channel} v{self.version} repeats an HTLC id: {ids}")
        for h in self.htlcs:
            if h.payer not in (A, B) or h.amount <= 0 or len(h.hashlock) != 32:
                raise InvalidState(f"channel {self.channel} v{self.version} has a malformed HTLC {h}")
        vids = [g.vid for g in self.guarantees]
        if len(set(vids)) != len(vids):
            raise InvalidState(f"channel {self.channel} v{self.version} repeats a guarantee: {vids}")
        if any(g.amount <= 0 or g.left not in (A, B) for g in self.guarantees):
            raise InvalidState(f"channel {self.channel} v{self.version} has a malformed guarantee")
        if self.final and (self.htlcs or self.guarantees):
            raise InvalidState(f"a final state cannot hold HTLCs or guarantees (channel {self.channel})")

    # -- transitions (each returns the next version) ----------------------------------------
    def _next(self, a: int, b: int, htlcs: Iterable[Htlc], final: bool = False) -> "State":
        if a < 0 or b < 0:
            raise InvalidState(f"channel {self.channel}: balance would go negative ({a}, {b})")
        return replace(self, version=self.version + 1, balance_a=a, balance_b=b,
                       final=final, htlcs=tuple(htlcs))

    def checkpoint(self) -> "State":
        """The same balances one version later (a virtual channel's pre-fund state)."""
        return self._next(self.balance_a, self.balance_b, self.htlcs)

    def _moved(self, party: int, delta: int) -> tuple[int, int]:
        """Balances with ``delta`` added to ``party`` (0 = A)."""
        return (self.balance_a + delta, self.balance_b) if party == A else (self.balance_a, self.balance_b + delta)

    def pay(self, payer: int, amount: int) -> "State":
        """A direct payment of ``amount`` from ``payer`` to the other party."""
        if amount <= 0:
            raise InvalidState(f"a payment must be positive, got {amount}")
        a, b = self._moved(payer, -amount)
        a, b = (a, b + amount) if payer == A else (a + amount, b)
        return self._next(a, b, self.htlcs)

    def add_htlc(self, htlc: Htlc) -> "State":
        if any(h.hid == htlc.hid for h in self.htlcs):
            raise InvalidState(f"HTLC {htlc.hid} already in channel {self.channel}")
        a, b = self._moved(htlc.payer, -htlc.amount)
        return self._next(a, b, self.htlcs + (htlc,))

    def resolve_htlc(self, hid: int, paid: bool) -> "State":
        """Remove HTLC ``hid``: its amount goes to the payee if ``paid``, else back to the payer."""
        h = self.htlc(hid)
        a, b = self._moved(h.payee if paid else h.payer, h.amount)
        return self._next(a, b, (x for x in self.htlcs if x.hid != hid))

    def add_guarantee(self, g: Guarantee, from_left: int, from_right: int) -> "State":
        """Lock ``g.amount`` for a virtual channel: ``from_left`` out of party ``g.left``'s
        balance, ``from_right`` out of the other's."""
        if from_left < 0 or from_right < 0 or from_left + from_right != g.amount:
            raise InvalidState(f"guarantee of {g.amount} cannot be funded with {from_left} + {from_right}")
        if any(x.vid == g.vid for x in self.guarantees):
            raise InvalidState(f"channel {self.channel} already guarantees virtual channel {g.vid:#x}")
        a, b = self._moved(g.left, -from_left)
        a, b = (a, b - from_right) if g.left == A else (a - from_right, b)
        return replace(self._next(a, b, self.htlcs), guarantees=self.guarantees + (g,))

    def resolve_guarantee(self, vid: int, to_left: int) -> "State":
        """Release the guarantee of ``vid`` as the virtual channel's outcome says: ``to_left``
        (the virtual A's share) to party ``left``, the rest to the other party."""
        g = self.guarantee(vid)
        to_a, to_b = g.split(to_left)
        rest = tuple(x for x in self.guarantees if x.vid != vid)
        return replace(self._next(self.balance_a + to_a, self.balance_b + to_b, self.htlcs), guarantees=rest)

    def finalize(self) -> "State":
        """The final state for a cooperative close (no HTLC or guarantee may be in flight)."""
        if self.htlcs or self.guarantees:
            raise InvalidState(f"channel {self.channel} has {len(self.htlcs)} HTLCs and "
                               f"{len(self.guarantees)} guarantees in flight")
        return self._next(self.balance_a, self.balance_b, (), final=True)


def recover_signer(digest: bytes, signature: bytes) -> Address:
    """The address behind a 65-byte ``r || s || v`` signature of ``digest``."""
    if len(signature) != SIGNATURE_BYTES:
        raise BadSignature(f"a signature has {SIGNATURE_BYTES} bytes, got {len(signature)}")
    r, s, v = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big"), signature[64]
    try:
        return recover_address(digest, (v, r, s))
    except InvalidTransaction as exc:
        raise BadSignature(str(exc)) from exc
