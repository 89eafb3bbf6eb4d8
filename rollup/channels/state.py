"""Channel states: turn-numbered, co-signed balances plus hash- and time-locked outputs.

A state is what both parties sign and what the adjudicator judges. It names the adjudicator and
chain (so a signature cannot be replayed on another contract or chain), the channel, a version
(Nitro's turn number), both balances, whether it is *final* (only a final state closes a channel
cooperatively), and the HTLCs in flight. Value is conserved: balances plus HTLC amounts always
equal the channel's deposit.

>>> s = State("0x" + "ad" * 20, 1337, 0, 0, 60, 40)
>>> s2 = s.pay(0, 10).add_htlc(Htlc(1, 1, 5, keccak256(b"x"), 900))
>>> s2.version, s2.balance_a, s2.balance_b, s2.total
(2, 50, 45, 100)
>>> State.decode(s2.encode()) == s2
True
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Iterable

from rollup.l1 import abi
from rollup.l1.crypto import Address, Key, keccak256, recover_address, to_address
from rollup.l1.errors import ABIError, InvalidTransaction
from rollup.channels.errors import BadSignature, InvalidState, PaymentError

STATE_TYPES = ["address", "uint256", "uint256", "uint256", "uint256", "uint256", "bool", "uint256[]"]
HTLC_WORDS = 5
SIGNATURE_BYTES = 65
A, B = 0, 1


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

    # -- encoding and signing ----------------------------------------------------------------
    def encode(self) -> bytes:
        """The ABI bytes that go to L1; their keccak is what both parties sign."""
        words = [w for h in self.htlcs for w in h.words()]
        return abi.encode(STATE_TYPES, [self.adjudicator, self.chain_id, self.channel, self.version,
                                        self.balance_a, self.balance_b, self.final, words])

    @classmethod
    def decode(cls, data: bytes) -> "State":
        """Inverse of :meth:`encode`; :class:`InvalidState` on malformed bytes."""
        try:
            adj, chain_id, channel, version, a, b, final, words = abi.decode(STATE_TYPES, data)
        except ABIError as exc:
            raise InvalidState(f"undecodable state: {exc}") from exc
        if len(words) % HTLC_WORDS:
            raise InvalidState(f"HTLC words come in fives, got {len(words)}")
        htlcs = tuple(Htlc(w[0], w[1], w[2], w[3].to_bytes(32, "big"), w[4])
                      for w in (words[i:i + HTLC_WORDS] for i in range(0, len(words), HTLC_WORDS)))
        return cls(to_address(adj), chain_id, channel, version, a, b, final, htlcs)

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
        return sum(h.amount for h in self.htlcs)

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
        if self.final and self.htlcs:
            raise InvalidState(f"a final state cannot hold HTLCs (channel {self.channel})")

    # -- transitions (each returns the next version) ----------------------------------------
    def _next(self, a: int, b: int, htlcs: Iterable[Htlc], final: bool = False) -> "State":
        if a < 0 or b < 0:
            raise InvalidState(f"channel {self.channel}: balance would go negative ({a}, {b})")
        return replace(self, version=self.version + 1, balance_a=a, balance_b=b,
                       final=final, htlcs=tuple(htlcs))

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

    def finalize(self) -> "State":
        """The final state for a cooperative close (no HTLC may be in flight)."""
        if self.htlcs:
            raise InvalidState(f"channel {self.channel} has {len(self.htlcs)} HTLCs in flight")
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
