"""Ordering policies: what a sequencer promises about the order of the transactions it posts,
and the signed arrival receipts that make the promise checkable from L1 data alone.

A sequencer states one policy (:data:`POLICIES`, by name):

- :class:`FirstComeFirstServed` (``"fcfs"``): transactions are posted in the order they
  arrived, the order of the receipts' sequence numbers;
- :class:`PriorityAuction` (``"priority-auction"``): each batch holds the transactions that
  arrived since the previous one, highest bid first (ties in arrival order); the bids are the
  auction's proceeds, which :meth:`PriorityAuction.settle` redistributes to the batch's users
  (a share per transaction, the indivisible rest burnt), so ordering power earns the sequencer
  nothing.

**Receipts.** On arrival the sequencer signs an :class:`ArrivalReceipt`: its next sequence
number, the transaction's hash, the *arrival chain* after it (``prefix = keccak(previous
prefix || tx hash)``, so the receipt pins every earlier arrival too: a transaction slipped in
ahead later changes the chain), the bid it read and the L1 time by which it promises to post
it. The sequencer posts each batch with the chain's head; the receipts' holders, or anyone they
give them to, compare them with the batches on L1 (:func:`audit`), and a receipt the posted
data contradicts is a fraud proof for the L1 contract holding the sequencer's bond
(:class:`prozchain.rollup.economics.sequencing.SequencerSet`).

What a receipt cannot prove: a sequencer that reads a transaction and slips its own in front
*before* it signs the receipt follows first-come-first-served as far as any data shows; the
receipt only binds what was promised. Users shorten that gap by insisting on a receipt before
they reveal anything else (a wallet resends until it has one).

>>> alice, bob = bytes([1]) * 32, bytes([2]) * 32
>>> arrivals = [Arrival(0, alice, bid=1), Arrival(1, bob, bid=5)]
>>> [a.seq for a in FirstComeFirstServed().order(arrivals)]
[0, 1]
>>> [a.seq for a in PriorityAuction().order(arrivals)]
[1, 0]
>>> PriorityAuction().settle(arrivals, {alice: 100, bob: 100})
Settlement(proceeds=600, rebates={0: 300, 1: 300}, burnt=0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ContextManager, Mapping, NamedTuple, Protocol, Sequence

from prozchain.rollup.l1 import Address, Key, keccak256
from prozchain.rollup.l1.crypto import address_bytes, recover_address

GENESIS_PREFIX = bytes(32)
"""The arrival chain of a sequencer before its first transaction."""

_DOMAIN = b"prozchain-arrival-receipt"

Hasher = Callable[[bytes], bytes]
"""keccak-256 off chain, or a contract's metered ``self.keccak`` on L1."""


def chain_step(prefix: bytes, tx_hash: bytes, hasher: Hasher = keccak256) -> bytes:
    """The arrival chain after ``tx_hash`` arrives on top of ``prefix``."""
    return hasher(prefix + tx_hash)


def chain_over(prefix: bytes, tx_hashes: Sequence[bytes], hasher: Hasher = keccak256) -> list[bytes]:
    """The chain after each of ``tx_hashes`` in turn, starting from ``prefix``.

    >>> chain_over(GENESIS_PREFIX, [])
    []
    >>> chain_over(GENESIS_PREFIX, [b"a" * 32])[0] == chain_step(GENESIS_PREFIX, b"a" * 32)
    True
    """
    out = []
    for tx_hash in tx_hashes:
        prefix = chain_step(prefix, tx_hash, hasher)
        out.append(prefix)
    return out


class ArrivalReceipt(NamedTuple):
    """A sequencer's signed promise about one transaction (see the module docstring).

    >>> key = Key.from_seed(b"seq")
    >>> r = ArrivalReceipt("0x" + "11" * 20, 0, b"t" * 32, chain_step(GENESIS_PREFIX, b"t" * 32), 0, 99)
    >>> r.signer(r.sign(key)) == key.address
    True
    """

    gate: str  # the L1 contract the promise is made under (so it counts nowhere else)
    seq: int  # the arrival number, per sequencer
    tx_hash: bytes
    prefix: bytes  # the arrival chain after this transaction
    bid: int  # the bid it read (the transaction's gas price), for an auction
    deadline: int  # L1 time by which a batch of the sequencer holds it

    def digest(self) -> bytes:
        return keccak256(_DOMAIN + address_bytes(self.gate) + self.seq.to_bytes(32, "big") + self.tx_hash
                         + self.prefix + self.bid.to_bytes(32, "big") + self.deadline.to_bytes(32, "big"))

    def sign(self, key: Key) -> tuple[int, int, int]:
        return key.sign(self.digest())

    def signer(self, signature: Sequence[int]) -> Address:
        """Who signed; :class:`prozchain.rollup.l1.errors.InvalidTransaction` if nobody did."""
        return recover_address(self.digest(), tuple(signature))

    def to_json(self) -> dict:
        """A JSON-able form (what agents keep in SQLite and send on the network)."""
        return {"gate": self.gate, "seq": self.seq, "tx_hash": self.tx_hash.hex(), "prefix": self.prefix.hex(),
                "bid": self.bid, "deadline": self.deadline}

    @classmethod
    def from_json(cls, data: Mapping) -> "ArrivalReceipt":
        return cls(data["gate"], data["seq"], bytes.fromhex(data["tx_hash"]), bytes.fromhex(data["prefix"]),
                   data["bid"], data["deadline"])


class ReceiptStore(Protocol):
    """Where an issuer keeps its arrival stream: an agent's durable store."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def put(self, key: str, value: Any) -> None: ...

    def batch(self) -> ContextManager[None]: ...


def issue_receipt(store: ReceiptStore, key: Key, gate: str, tx_hash: bytes, bid: int, deadline: int,
                  sender: str, nonce: int, **extra: Any) -> dict:
    """Receipt ``tx_hash`` as the issuer's next arrival and keep it in ``store`` (durably, before
    anyone sees it): ``{"receipt": ..., "signature": ..., **extra}`` under ``rcpt/<hash>``,
    with the stream's position and the sender's next nonce (``nonce/<sender>``, what the issuer
    waits for from that sender next)."""
    seq = store.get("seq", 0)
    prefix = chain_step(bytes.fromhex(store.get("prefix", GENESIS_PREFIX.hex())), tx_hash)
    receipt = ArrivalReceipt(gate, seq, tx_hash, prefix, bid, deadline)
    entry = {"receipt": receipt.to_json(), "signature": list(receipt.sign(key)), **extra}
    with store.batch():
        store.put(f"rcpt/{tx_hash.hex()}", entry)
        store.put(f"stream/{seq:010d}", tx_hash.hex())
        store.put(f"nonce/{sender}", nonce + 1)
        store.put("seq", seq + 1)
        store.put("prefix", prefix.hex())
    return entry


class Arrival(NamedTuple):
    """A transaction as a policy orders it."""

    seq: int
    tx_hash: bytes
    bid: int = 0


class Settlement(NamedTuple):
    """Where an auction's proceeds go: ``rebates`` by arrival number, the rest ``burnt``."""

    proceeds: int
    rebates: dict[int, int]
    burnt: int


@dataclass(frozen=True)
class Policy:
    """A stated ordering policy."""

    name = ""

    def order(self, arrivals: Sequence[Arrival]) -> list[Arrival]:
        """The order a batch of ``arrivals`` must be posted in."""
        raise NotImplementedError


@dataclass(frozen=True)
class FirstComeFirstServed(Policy):
    """Post in arrival order: position ``i`` of the sequencer's stream is receipt ``i``."""

    name = "fcfs"

    def order(self, arrivals: Sequence[Arrival]) -> list[Arrival]:
        return sorted(arrivals, key=lambda a: a.seq)


@dataclass(frozen=True)
class PriorityAuction(Policy):
    """Highest bid first within a batch, ties in arrival order; the bids (per gas, times the gas
    each transaction used) are handed back to the batch's transactions in equal shares."""

    name = "priority-auction"

    def order(self, arrivals: Sequence[Arrival]) -> list[Arrival]:
        return sorted(arrivals, key=lambda a: (-a.bid, a.seq))

    def settle(self, arrivals: Sequence[Arrival], gas_used: Mapping[bytes, int]) -> Settlement:
        """The redistribution of one batch: proceeds = sum of bid x gas used; every transaction
        gets an equal share; the remainder of the division is burnt. Conserves to the wei."""
        proceeds = sum(a.bid * gas_used.get(a.tx_hash, 0) for a in arrivals)
        share = proceeds // len(arrivals) if arrivals else 0
        return Settlement(proceeds, {a.seq: share for a in arrivals}, proceeds - share * len(arrivals))


POLICIES: dict[str, Policy] = {p.name: p for p in (FirstComeFirstServed(), PriorityAuction())}


class Posted(NamedTuple):
    """One batch a sequencer posted, as L1 shows it: the gate's record and the leaves of the
    batch's transaction list (``keccak`` of each transaction, from the batch data)."""

    batch: int
    poster: str
    first_seq: int
    start: bytes  # the poster's arrival chain before the batch
    head: bytes  # and after it
    time: int  # L1 time it was posted
    leaves: tuple[bytes, ...]


def violation(policy: Policy, receipt: ArrivalReceipt, posted: Posted, hasher: Hasher = keccak256) -> str:
    """What is wrong with ``posted`` given ``receipt`` from its poster, or "" if nothing: the one
    rule the L1 contract judges, shared with the off-chain :func:`audit`.

    - *censored*: posted after the receipt's deadline and the poster's stream has not reached it;
    - *reordered*: the batch covers the receipt's number but (first come first served) the
      transaction or the arrival chain at that position differs, or (auction) the transaction is
      not in the batch.
    """
    end = posted.first_seq + len(posted.leaves)
    if end <= receipt.seq:
        return "censored" if posted.time > receipt.deadline else ""
    if receipt.seq < posted.first_seq:
        return ""
    if isinstance(policy, PriorityAuction):
        return "" if receipt.tx_hash in posted.leaves else "reordered"
    at = receipt.seq - posted.first_seq
    chain = chain_over(posted.start, posted.leaves[:at + 1], hasher)
    return "" if posted.leaves[at] == receipt.tx_hash and chain[at] == receipt.prefix else "reordered"


def inverted(first: ArrivalReceipt, second: ArrivalReceipt, posted: Posted,
             policy: Policy = PriorityAuction()) -> bool:
    """Whether a batch holds two receipted transactions against ``policy``'s order of the
    pair: the one it puts first (by bid under the auction, by arrival under first come first
    served) is posted after the other. The one rule that needs no arrival stream: a sidechain's
    rotating proposers are judged by it, block by block."""
    if first.tx_hash not in posted.leaves or second.tx_hash not in posted.leaves or first.seq == second.seq:
        return False
    should_lead = policy.order([Arrival(first.seq, first.tx_hash, first.bid),
                                Arrival(second.seq, second.tx_hash, second.bid)])[0].tx_hash
    trailer = second.tx_hash if should_lead == first.tx_hash else first.tx_hash
    return posted.leaves.index(should_lead) > posted.leaves.index(trailer)


def inversions(policy: Policy, receipts: Sequence[tuple[ArrivalReceipt, str]],
               posted: Sequence[Posted]) -> list[tuple[ArrivalReceipt, Posted, str]]:
    """Every pair of receipts ``(receipt, signer)`` by one signer that a batch the signer posted
    orders against ``policy`` (:func:`inverted`), reported as "inverted" on the later-arrived one."""
    found = []
    for i, (a, sa) in enumerate(receipts):
        for b, sb in receipts[i + 1:]:
            found += [(b, p, "inverted") for p in posted if p.poster == sa == sb and inverted(a, b, p, policy)]
    return found


def audit(policy: Policy, receipts: Sequence[tuple[ArrivalReceipt, str]],
          posted: Sequence[Posted]) -> list[tuple[ArrivalReceipt, Posted, str]]:
    """Every receipt ``(receipt, signer)`` that a batch its signer posted contradicts, with that
    batch and what is wrong (:func:`violation`); under the auction also every pair of receipts
    posted against the bid order (:func:`inversions`)."""
    found = []
    for receipt, signer in receipts:
        for p in posted:
            if p.poster == signer and (problem := violation(policy, receipt, p)):
                found.append((receipt, p, problem))
                break
    return found + (inversions(policy, receipts, posted) if isinstance(policy, PriorityAuction) else [])
