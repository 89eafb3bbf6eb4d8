"""Decentralized sequencing: a set of staked sequencers that take turns, agreed by one L1
contract, and held to their stated ordering policy (:mod:`~prozchain.rollup.economics.ordering`).

:class:`SequencerSet` stands where a rollup's single sequencer stood: the rollup's inbox
contract names it as its sequencer, and members post batches through it.

- **Stake.** ``join()`` with at least ``min_stake`` locks the value as a ``"sequencer"`` bond in
  the :class:`~prozchain.rollup.economics.bonds.BondLedger`; the set is the bond's controller.
- **Leaving.** ``leave()`` takes a member out of the rankings from the next epoch;
  ``withdraw_stake()`` releases its bond two epochs after it left (until then a receipt it
  signed can still be disputed).
- **Schedule.** L1 time from ``genesis`` is cut into slots of ``slot`` seconds, ``epoch_slots``
  to an epoch. Each slot has a ranking of the members that were staked before its epoch began
  and before its seed block (below), drawn by stake (:func:`ranking`: repeatedly pick by weight
  from ``keccak(epoch seed, slot, rank)``, without replacement), less those jailed or gone by
  then; ``leaders(slot)`` returns it and anyone computes the same once the epoch's seed is drawn.
- **The epoch's seed** is ``keccak(set, epoch, hash of the epoch's seed block)``: an L1 block
  chosen when its hash did not exist yet (:data:`SEED_DELAY` blocks after the transaction that
  schedules it), and after every member counted in the epoch had joined. So nobody, member or
  not, can pick a key or a join time that ranks it first in a slot it wants: when the ranking
  becomes computable, membership is fixed. The first post of an epoch schedules the next
  epoch's seed block and stores its own epoch's seed (BLOCKHASH reaches back 256 blocks only);
  ``draw_seed()`` (anyone) does both when nobody posted: it schedules the current epoch's seed
  block if it has none or it fell out of reach, and until then nobody may post. The rankings
  of an epoch are known from its seed block on, not before. What is left: the L1 proposer of
  the seed block could withhold it to redraw (a block reward against one epoch's ranking), as
  with RANDAO.
- **Skipping a silent leader.** The first of the ranking may post at once; the one ranked ``r``
  once ``r * backup_after`` seconds of the slot have passed, so a silent leader costs at most
  ``backup_after`` of delay; each leader passed over is recorded (``Skipped``).
  ``backup_after = 0`` turns rotation off: only the first may ever post.
- **Ordering.** ``post_batch(data, txs_root, n_txs, head)`` (or ``post_blob_batch``) forwards the
  batch to the inbox and records it against the poster's arrival stream: the stream position it
  starts at, the chain before it and the ``head`` after it.
- **Disputes.** ``dispute(batch, receipt..., signature, leaves)``: a receipt signed by the
  batch's poster that the batch contradicts (:func:`~prozchain.rollup.economics.ordering.violation`:
  reordered, front-run or censored past its deadline), with the batch's transaction leaves
  (checked against the root the inbox holds), slashes the poster's whole bond (half to the
  claimant, half burnt) and jails it: it is out of every later ranking. Under the priority
  auction ``dispute_pair`` does the same for two receipts posted against the bid order.
  A censoring leader is thus skipped twice over: the next leader holds the transaction too
  (wallets send to every member), and the censor loses its bond and its turns.

Forced inclusion is the inbox's own business (a transaction forced through L1 enters the
inbox whoever leads), so rotation neither adds to it nor weakens it.

>>> from prozchain.rollup.economics.bonds import BondLedger
>>> from prozchain.rollup.l1 import Chain, Key
>>> keys = [Key.from_seed(bytes([i])) for i in range(3)]
>>> chain = Chain({k.address: 10 * 10**18 for k in keys})
>>> ledger, _ = chain.deploy(keys[0], BondLedger)
>>> gate, _ = chain.deploy(keys[0], SequencerSet, ledger, chain.time + 60, 60, 20, 10, 10**18, "fcfs")
>>> for i, k in enumerate(keys):
...     _ = chain.transact(k, gate, "join", value=(i + 1) * 10**18, gas_limit=300_000)
>>> chain.view(gate, "needs_draw"), chain.transact(keys[0], gate, "draw_seed", gas_limit=300_000).return_value
(True, b'')
>>> _ = chain.mine()   # epoch 0's seed block: its hash did not exist when the members joined
>>> ranking_ = chain.view(gate, "leaders", 3)
>>> sorted(ranking_) == sorted(k.address for k in keys)
True
>>> ranking_ == chain.view(gate, "leaders", 3), chain.view(gate, "policy")
(True, 'fcfs')
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Sequence

from prozchain.rollup.common.merkle import list_root
from prozchain.rollup.common.words import addr, b32, word
from prozchain.rollup.economics.bonds import BURN
from prozchain.rollup.economics.ordering import (GENESIS_PREFIX, POLICIES, ArrivalReceipt, Posted, inverted,
                                                 violation)
from prozchain.rollup.l1 import Address, Bytes32, Contract, InvalidTransaction, external, keccak256
from prozchain.rollup.l1 import gas as G
from prozchain.rollup.l1.crypto import address_bytes


SEED_DELAY = 1  # the seed block comes after the one that schedules it: its hash is unknown then


class Record(NamedTuple):
    """What :meth:`SequencerSet.record` returns about one batch."""

    poster: str
    first_seq: int
    n_txs: int
    start: bytes
    head: bytes
    time: int


def ranking(seed: bytes, stakes: Sequence[tuple[str, int]],
            hasher: Callable[[bytes], bytes] = keccak256) -> list[str]:
    """The members of ``stakes`` (address, stake) in the order a slot with ``seed`` ranks them:
    each rank drawn by stake from what is left.

    >>> ranking(b"s", [("0xa", 1), ("0xb", 0)])
    ['0xa', '0xb']
    >>> sorted(ranking(b"s", [("0xa", 5), ("0xb", 5), ("0xc", 1)]))
    ['0xa', '0xb', '0xc']
    """
    left, out = list(stakes), []
    while left:
        total = sum(stake for _, stake in left)
        point = word(hasher(seed + len(out).to_bytes(32, "big"))) % total if total else 0
        for i, (member, stake) in enumerate(left):
            if point < stake or i == len(left) - 1:
                out.append(member)
                del left[i]
                break
            point -= stake
    return out


class ArrivalStreams(Contract):
    """What an L1 contract needs to hold its posters to a stated ordering policy: each poster's
    arrival stream as its batches leave it, the record of every batch, and the judgement of a
    receipt (or, under the auction, a pair) against a batch's transactions. The contract slashes
    the convicted poster's bond its own way (``_slash``); :class:`SequencerSet` and the ZK rollup
    (:class:`~prozchain.rollup.zk.contracts.rollup.ZkRollup`) use it."""

    def _state_policy(self, policy: str) -> None:
        self.require(policy in POLICIES, f"unknown ordering policy {policy!r}; known: {', '.join(POLICIES)}")
        self.require(not self.load("policy"), "the ordering policy is stated already")
        self.store("policy", value=list(POLICIES).index(policy) + 1)

    @external
    def policy(self) -> str:
        """The ordering policy the posters follow ("" if none is stated)."""
        stated = self.load("policy")
        return list(POLICIES)[stated - 1] if stated else ""

    @external
    def record(self, batch: int) -> Record:
        self.require(self.load("poster", batch) != 0, f"batch {batch} has no ordering record")
        return Record(addr(self.load("poster", batch)), self.load("first_seq", batch), self.load("n_txs", batch),
                      b32(self.load("start", batch)), b32(self.load("head", batch)), self.load("time", batch))

    @external
    def stream(self, who: Address) -> tuple[int, bytes]:
        """A poster's next arrival number and arrival chain as its posted batches leave them."""
        me = int(who, 16)
        return self.load("next_seq", me), b32(self.load("head", me) or word(GENESIS_PREFIX))

    def _record(self, batch: int, n_txs: int, head: bytes) -> int:
        me = int(self.sender, 16)
        first, start = self.stream(self.sender)
        for name, value in (("poster", me), ("first_seq", first), ("n_txs", n_txs), ("start", word(start)),
                            ("head", word(head)), ("time", self.timestamp)):
            self.store(name, batch, value=value)
        self.store("next_seq", me, value=first + n_txs)
        self.store("head", me, value=word(head))
        self.emit("Sequenced", batch, self.sender, args=(batch, self.sender, first, n_txs, start, head))
        return batch

    def _posted(self, batch: int, leaves: Sequence[bytes]) -> Posted:
        """Batch ``batch`` as posted, with ``leaves`` the caller has checked are its transactions."""
        r = self.record(batch)
        self.require(len(leaves) == r.n_txs, f"batch {batch} holds {r.n_txs} transactions")
        return Posted(batch, r.poster, r.first_seq, r.start, r.head, r.time, tuple(leaves))

    def _convict(self, receipt: ArrivalReceipt, signature: Sequence[int], posted: Posted) -> str:
        """What ``posted`` breaks of ``receipt``, signed by its poster; reverts if nothing."""
        self.require(self._signer(receipt, signature) == posted.poster, "the receipt is not the poster's")
        problem = violation(POLICIES[self.policy()], receipt, posted, self.keccak)
        self.require(problem, "the batch keeps the receipt's promise")
        return problem

    def _convict_pair(self, receipts: Sequence[ArrivalReceipt], signatures: Sequence[Sequence[int]],
                      posted: Posted) -> None:
        """Revert unless ``posted`` orders the two receipts of its poster against their bids."""
        self.require(self.policy() == "priority-auction", "only an auction orders by bid")
        for r, sig in zip(receipts, signatures):
            self.require(self._signer(r, sig) == posted.poster, "a receipt is not the poster's")
        self.require(inverted(*receipts, posted), "the batch orders the two by their bids")

    def _signer(self, receipt: ArrivalReceipt, signature: Sequence[int]) -> str:
        return receipt_signer(self, receipt, signature)


def receipt_signer(contract: Contract, receipt: ArrivalReceipt, signature: Sequence[int]) -> str:
    """Who signed ``receipt``, as an L1 contract recovers it (metered as the ecrecover
    precompile); reverts if the signature does not recover."""
    contract.env.meter.charge(G.ECRECOVER, "receipt signature (the ecrecover precompile)")
    try:
        return receipt.signer(signature)
    except InvalidTransaction:
        contract.require(False, "the receipt's signature does not recover")


class SequencerSet(ArrivalStreams):
    """The L1 contract of a rotating, staked sequencer set; see the module docstring."""

    def constructor(self, ledger: Address, genesis: int, slot: int, epoch_slots: int, backup_after: int,
                    min_stake: int, policy: str) -> None:
        self.require(slot > 0 and epoch_slots > 0 and min_stake > 0, "bad schedule parameters")
        self._state_policy(policy)
        for name, value in (("ledger", int(ledger, 16)), ("genesis", genesis), ("slot", slot),
                            ("epoch_slots", epoch_slots), ("backup_after", backup_after), ("min_stake", min_stake)):
            self.store(name, value=value)

    @external
    def link(self, inbox: Address) -> None:
        """Name the rollup inbox the set posts to (once; it names the set as its sequencer)."""
        self.require(self.load("inbox") == 0, "inbox already linked")
        self.store("inbox", value=int(inbox, 16))

    # -- membership -------------------------------------------------------------------------
    @external(payable=True)
    def join(self) -> int:
        """Stake ``msg.value`` and become a member; returns the bond's id in the ledger."""
        self.require(self.value >= self.load("min_stake"), f"the stake is at least {self.load('min_stake')} wei")
        me = int(self.sender, 16)
        self.require(self.load("bond", me) == 0, "already a member")
        bond = self.call(addr(self.load("ledger")), "lock", self.sender, self.value, "sequencer",
                         "stake to sequence", value=self.value)
        n = self.load("members")
        self.store("member", n, value=me)
        self.store("members", value=n + 1)
        for name, value in (("bond", bond), ("stake", self.value), ("joined", self.timestamp),
                            ("joined_block", self.block_number)):
            self.store(name, me, value=value)
        self.emit("Joined", self.sender, args=(self.sender, self.value, bond))
        return bond

    @external
    def leave(self) -> int:
        """Stop sequencing from the next epoch on; returns when the stake can be withdrawn
        (:meth:`withdraw_stake`): two epochs after leaving, so that receipts the member signed
        can still be disputed."""
        me = int(self.sender, 16)
        self.require(self.load("bond", me) and not self.load("left", me) and not self.load("jailed", me),
                     "not an active member")
        self.store("left", me, value=self.timestamp)
        self.emit("Left", self.sender, args=(self.sender, self.timestamp))
        return self.timestamp + self._unbonding()

    @external
    def withdraw_stake(self) -> int:
        """Release a departed member's bond once it has unbonded; returns the amount."""
        me = int(self.sender, 16)
        left = self.load("left", me)
        self.require(left and not self.load("jailed", me) and not self.load("withdrawn", me),
                     "only a member that left, unslashed, withdraws, once")
        self.require(self.timestamp >= left + self._unbonding(), "the stake is still unbonding")
        self.store("withdrawn", me, value=1)
        return self.call(addr(self.load("ledger")), "release", self.load("bond", me), "left the sequencer set")

    def _unbonding(self) -> int:
        return 2 * self.load("epoch_slots") * self.load("slot")

    @external
    def jailed(self, who: Address) -> bool:
        return bool(self.load("jailed", int(who, 16)))

    # -- schedule ---------------------------------------------------------------------------
    @external
    def slot_at(self, time: int) -> int:
        self.require(time >= self.load("genesis"), "before the set's genesis")
        return (time - self.load("genesis")) // self.load("slot")

    @external
    def leaders(self, slot: int) -> list[Address]:
        """The ranking of ``slot``: the first leads, the others back it up in turn (once its
        epoch's seed is drawn: :meth:`seed_of`)."""
        epoch = slot // self.load("epoch_slots")
        seed = self._seed(epoch)
        self.require(bool(seed), f"epoch {epoch}'s seed is not drawn yet (seed block "
                     f"{self.load('seed_block', epoch) or 'not scheduled: draw_seed'})")
        epoch_start = self.load("genesis") + epoch * self.load("epoch_slots") * self.load("slot")
        seed_block = self.load("seed_block", epoch)
        # Drawn over every member that had joined when the seed block came (whatever it did
        # since, so no leave or jailing can redraw the others), then the ones out are dropped.
        stakes, out = [], set()
        for i in range(self.load("members")):
            m = self.load("member", i)
            if self.load("joined", m) < epoch_start and self.load("joined_block", m) < seed_block:
                stakes.append((addr(m), self.load("stake", m)))
                if self.load("jailed", m) or 0 < self.load("left", m) < epoch_start:
                    out.add(addr(m))
        return [m for m in ranking(seed + slot.to_bytes(32, "big"), stakes, self.keccak) if m not in out]

    @external
    def seed_of(self, epoch: int) -> bytes:
        """Epoch ``epoch``'s seed; empty until its seed block exists (or once it is out of
        BLOCKHASH's reach with no post having stored it)."""
        return self._seed(epoch)

    def _seed(self, epoch: int) -> bytes:
        stored = self.load("seed", epoch)
        if stored:
            return b32(stored)
        target = self.load("seed_block", epoch)
        if not target or target >= self.block_number:
            return b""
        block_hash = self.blockhash(target)
        if block_hash == bytes(32):
            return b""  # out of reach: draw_seed schedules a new seed block
        return self.keccak(address_bytes(self.address) + epoch.to_bytes(32, "big") + block_hash)

    def _schedule(self, epoch: int) -> None:
        """Give ``epoch`` a seed block whose hash does not exist yet, unless it has one in reach."""
        if not self.load("seed", epoch) and (not self.load("seed_block", epoch) or (
                self.load("seed_block", epoch) < self.block_number and not self._seed(epoch))):
            self.store("seed_block", epoch, value=self.block_number + SEED_DELAY)
            self.emit("SeedScheduled", epoch, args=(epoch, self.block_number + SEED_DELAY))

    def _keep_seed(self, epoch: int) -> None:
        """Store ``epoch``'s seed while BLOCKHASH still reaches its block."""
        if not self.load("seed", epoch):
            seed = self._seed(epoch)
            if seed:
                self.store("seed", epoch, value=word(seed))

    def _epoch_now(self) -> int:
        """The current epoch (0 before genesis too: epoch 0's seed may be scheduled ahead)."""
        return self.slot_at(max(self.timestamp, self.load("genesis"))) // self.load("epoch_slots")

    @external
    def needs_draw(self) -> bool:
        """Whether the current epoch waits for ``draw_seed``: no seed and no seed block in reach."""
        epoch = self._epoch_now()
        target = self.load("seed_block", epoch)
        return not self._seed(epoch) and (not target or target < self.block_number)

    @external
    def draw_seed(self) -> bytes:
        """Keep the schedule live when nobody posted: store the current epoch's seed if its
        block is in reach, else schedule a seed block for it; returns the seed (empty until
        its block exists)."""
        epoch = self._epoch_now()
        self._keep_seed(epoch)
        self._schedule(epoch)
        return self._seed(epoch)

    @external
    def may_post(self, who: Address, time: int) -> bool:
        """Whether ``who`` may post a batch at L1 time ``time`` (never before the slot's
        epoch has its seed)."""
        if time < self.load("genesis"):
            return False
        slot = self.slot_at(time)
        if not self._seed(slot // self.load("epoch_slots")):
            return False
        ranks = self.leaders(slot)
        if who not in ranks:
            return False
        rank, backup = ranks.index(who), self.load("backup_after")
        elapsed = time - self.load("genesis") - slot * self.load("slot")
        return rank == 0 or (backup > 0 and elapsed >= rank * backup)

    # -- batches ----------------------------------------------------------------------------
    @external
    def post_batch(self, data: bytes, txs_root: Bytes32, n_txs: int, head: Bytes32) -> int:
        self._may_post()
        batch = self.call(addr(self.load("inbox")), "post_batch", data, txs_root, n_txs)
        return self._record(batch, n_txs, head)

    @external
    def post_blob_batch(self, txs_root: Bytes32, n_txs: int, head: Bytes32) -> int:
        self._may_post()
        batch = self.call(addr(self.load("inbox")), "post_blob_batch", txs_root, n_txs)
        return self._record(batch, n_txs, head)

    @external
    def post_forced_batch(self, data: bytes) -> int:
        """Include the inbox's waiting forced transactions: the leader's duty within the
        inbox's sequencing window (after it, anyone includes them at the inbox itself). They
        are no arrivals: the poster's stream does not move."""
        self._may_post()
        return self.call(addr(self.load("inbox")), "post_forced_batch", data)

    def _may_post(self) -> None:
        self.require(self.may_post(self.sender, self.timestamp), "not this member's turn to post")
        epoch = self._epoch_now()
        self._keep_seed(epoch)
        self._schedule(epoch + 1)  # members joined by now are the next epoch's, whoever draws
        slot = self.slot_at(self.timestamp)
        ranks = self.leaders(slot)
        for skipped in ranks[:ranks.index(self.sender)]:  # recorded once per slot (slot + 1: 0 is "never")
            passed = int(skipped, 16)
            if slot + 1 not in (self.load("posted_slot", passed), self.load("skipped_slot", passed)):
                self.store("skipped_slot", passed, value=slot + 1)
                self.emit("Skipped", slot, skipped, args=(slot, skipped))
        self.store("posted_slot", int(self.sender, 16), value=slot + 1)

    # -- disputes ---------------------------------------------------------------------------
    @external
    def dispute(self, batch: int, seq: int, tx_hash: Bytes32, prefix: Bytes32, bid: int, deadline: int,
                signature: list[int], leaves: list[Bytes32]) -> str:
        """Slash the poster of ``batch`` with a receipt it signed that the batch contradicts;
        ``leaves`` are the batch's transaction hashes. Returns what was wrong."""
        posted = self._set_posted(batch, leaves)
        problem = self._convict(ArrivalReceipt(self.address, seq, tx_hash, prefix, bid, deadline), signature, posted)
        self._slash(posted.poster, f"{problem} transaction {tx_hash.hex()[:16]} against its receipt in batch {batch}")
        return problem

    @external
    def dispute_pair(self, batch: int, first: list[int], first_hashes: list[Bytes32], first_sig: list[int],
                     second: list[int], second_hashes: list[Bytes32], second_sig: list[int],
                     leaves: list[Bytes32]) -> None:
        """Under the auction: slash the poster of ``batch`` for two receipts it signed that the
        batch orders against their bids. Each receipt is given as ``[seq, bid, deadline]``,
        ``[tx_hash, prefix]`` and its signature."""
        posted = self._set_posted(batch, leaves)
        receipts = [ArrivalReceipt(self.address, n[0], h[0], h[1], n[1], n[2])
                    for n, h in ((first, first_hashes), (second, second_hashes))]
        self._convict_pair(receipts, (first_sig, second_sig), posted)
        self._slash(posted.poster, f"posted against the bid order in batch {batch}")

    def _set_posted(self, batch: int, leaves: Sequence[bytes]) -> Posted:
        posted = self._posted(batch, leaves)
        inbox = self.call(addr(self.load("inbox")), "inbox", batch)
        self.require(list_root(list(leaves), self.keccak) == inbox.txs_root,
                     "the leaves are not the batch's transactions")
        return posted

    def _slash(self, who: str, reason: str) -> None:
        me = int(who, 16)
        self.require(not self.load("jailed", me), f"{who} is slashed already")
        self.require(not self.load("withdrawn", me), f"{who} has left and withdrawn its stake")
        self.store("jailed", me, value=1)
        ledger, bond, stake = addr(self.load("ledger")), self.load("bond", me), self.load("stake", me)
        self.call(ledger, "slash", bond, stake // 2, self.sender, reason)
        self.call(ledger, "slash", bond, stake - stake // 2, BURN, reason)
        self.emit("Slashed", who, self.sender, args=(who, self.sender, stake, reason))
