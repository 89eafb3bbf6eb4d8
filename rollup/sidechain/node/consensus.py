"""Tendermint BFT consensus as agents on the seeded harness.

Each :class:`Validator` runs the algorithm of Buchman, Kwon and Milosevic (2018), "The latest
gossip on BFT consensus": rounds of propose, prevote, precommit; a validator *locks* on a block
when it sees a quorum (more than 2/3 of the power) of prevotes for it and from then on prevotes
only that block unless a later quorum of prevotes unlocks it (the proposal's ``valid_round``);
a block is decided by a quorum of precommits in any round; timeouts that grow with the round move
a stuck height to the next round, and f+1 power seen in a later round pulls a validator there.
This is safe with at most f of 3f+1 power Byzantine under any message schedule and live once
messages arrive within the timeouts.

Around the core: votes are forwarded to a few random peers (gossip, which also brings a
validator's two conflicting votes together: :class:`Evidence`, reported to L1); a validator
that hears from a peer at a lower height sends it the :class:`Commit` for that height; own
votes are re-sent periodically (the network loses messages). Every vote a validator signs is
written to its SQLite store first, so a restarted validator re-sends what it signed instead of
signing something else (Tendermint's "priv validator state"), and its lock survives too.

>>> from prozchain.rollup.l1 import Key
>>> from prozchain.rollup.sim import Simulation
>>> keys = [Key.from_seed(bytes([i])) for i in range(4)]
>>> l1 = StaticL1(ValidatorSet([(k.address, 1) for k in keys]))
>>> with Simulation(seed=1) as sim:
...     vals = network(sim, keys, Genesis(), l1)
...     _ = sim.run(until=10_000)
...     heights = {v.chain.height for v in vals}
>>> min(heights) > 3 and len({v.chain.headers[3].hash for v in vals}) == 1
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, Protocol, Sequence

from prozchain.rollup.economics.ordering import issue_receipt
from prozchain.rollup.l1 import InvalidTransaction, Key
from prozchain.rollup.sidechain.errors import InvalidBlock, InvalidMessage
from prozchain.rollup.sidechain.node.assets import MINTER, forged_mint
from prozchain.rollup.sidechain.node.chain import ChainState, Genesis, Mempool, ValidatorSet, Block
from prozchain.rollup.sidechain.node.messages import PRECOMMIT, PREVOTE, Commit, Evidence, Proposal, Status, Vote
from prozchain.rollup.sim.agent import Agent
from prozchain.rollup.vm import Deposit, L2Tx
from prozchain.rollup.vm.errors import DecodeError
from prozchain.rollup.vm.merkle import keccak

PROPOSE = 0
ANY = object()


@dataclass(frozen=True)
class ConsensusConfig:
    """Timeouts in simulated milliseconds; round ``r`` waits ``base + r * delta``."""

    timeout_propose: int = 1_000
    timeout_vote: int = 500
    timeout_delta: int = 500
    commit_wait: int = 300
    gossip_ms: int = 1_000
    fanout: int = 3
    max_txs: int = 64


class L1View(Protocol):
    """What validators need from L1: validator sets by epoch, deposits, evidence reports."""

    def validator_set(self, epoch: int) -> ValidatorSet: ...

    def latest_epoch(self) -> int: ...

    def deposit_ok(self, deposit: Deposit) -> bool: ...

    def mints(self, start: int) -> list[bytes]:
        """The mint transactions of L1 token deposits from index ``start`` on."""

    def token_deposit_ok(self, index: int, asset: int, recipient: str, amount: int) -> bool: ...

    def report(self, reporter: Key, evidence: Evidence) -> None: ...


class StaticL1:
    """A fixed validator set and no L1 (consensus on its own; reports are only recorded)."""

    def __init__(self, validators: ValidatorSet) -> None:
        self.validators = validators
        self.reports: list[Evidence] = []

    def validator_set(self, epoch: int) -> ValidatorSet:
        return self.validators

    def latest_epoch(self) -> int:
        return 0

    def deposit_ok(self, deposit: Deposit) -> bool:
        return False

    def mints(self, start: int) -> list[bytes]:
        return []

    def token_deposit_ok(self, index: int, asset: int, recipient: str, amount: int) -> bool:
        return False

    def report(self, reporter: Key, evidence: Evidence) -> None:
        self.reports.append(evidence)


class Validator(Agent):
    """An honest validator. ``peers`` are the other validators' agent names, ``watchers``
    agents (relayers) that get every decided block with its certificate. ``receipts_under``
    (the bridge's address): hold itself to first come first served, the sidechain's ordering
    policy, as that bridge judges it (``dispute_order``): it takes a user's transaction only in
    its sender's nonce turn (the user resends the others) and answers it with a signed
    :class:`~prozchain.rollup.economics.ordering.ArrivalReceipt`, ``("receipt", receipt,
    signature)``; its mempool, and so its blocks, keep that arrival order."""

    def __init__(self, name: str, sim, key: Key, genesis: Genesis, peers: Sequence[str], l1: L1View,
                 config: ConsensusConfig = ConsensusConfig(), watchers: Sequence[str] = (),
                 durable: bool = True, receipts_under: Optional[str] = None) -> None:
        super().__init__(name, sim, durable)
        self.key, self.genesis, self.l1, self.config = key, genesis, l1, config
        self.receipts_under = receipts_under
        self.peers = [p for p in peers if p != name]
        self.watchers = list(watchers)
        self.on_decide: list[Callable[["Validator", Block, tuple[Vote, ...]], None]] = []
        self.rng = sim.scheduler.rng(f"gossip/{name}")

    # -- lifecycle ------------------------------------------------------------------------------
    def on_start(self) -> None:
        self.chain, self.mempool = self._ledger()
        self.deposits: dict[int, Deposit] = {}
        self.reported: set[str] = set(k[len("evidence/"):] for k in self.store.keys("evidence/"))
        self.future: dict[int, list[tuple[str, Any]]] = {}
        self.helped: dict[tuple[str, int], int] = {}
        self.validity: dict[bytes, bool] = {}
        self._enter_height(self.chain.height + 1)
        self.timer(self.config.gossip_ms, "gossip", self._gossip)

    def _ledger(self) -> tuple[ChainState, Mempool]:
        """The chain (replayed from the store) and the mempool this validator runs."""
        return ChainState(self.genesis, self.store, self.config.max_txs), Mempool(reserved=(MINTER,))

    def _enter_height(self, height: int) -> None:
        self.h, self.round, self.step = height, -1, PROPOSE
        self.proposals: dict[int, Proposal] = {}
        self.votes: dict[tuple[int, int], dict[str, Vote]] = {}
        self.senders: dict[int, set[str]] = {}
        self.fired: set[tuple] = set()
        self.vset = self.l1.validator_set(self.chain.head.epoch)
        self.locked, self.locked_round, self.valid, self.valid_round = None, -1, None, -1
        lock = self.store.get("lock")
        if lock and lock["h"] == height:
            self.locked = Block.from_json(lock["locked"]) if lock["locked"] else None
            self.valid = Block.from_json(lock["valid"]) if lock["valid"] else None
            self.locked_round, self.valid_round = lock["locked_round"], lock["valid_round"]
            for raw in lock.get("polka", []):  # the prevotes that made ``valid`` valid
                vote = Vote.decode(bytes.fromhex(raw))
                self.votes.setdefault((vote.round, PREVOTE), {})[vote.signer] = vote
        self.timer(self.config.commit_wait, f"h{height} start",
                   lambda: self.h == height and self.round < 0 and self._start_round(0))
        for src, message in self.future.pop(height, []):
            self.on_message(src, message)
        self.future = {h: m for h, m in self.future.items() if h > height}

    def _arrive(self, src: str, raw: bytes) -> None:
        """A user's transaction under the ordering policy (see the class docstring)."""
        h = keccak(raw)
        entry = self.store.get(f"rcpt/{h.hex()}")
        if entry is None:
            try:
                tx = L2Tx.decode(raw)
                sender = tx.sender
            except (DecodeError, InvalidTransaction):
                return
            if tx.nonce != max(self.chain.nonce(sender), self.store.get(f"nonce/{sender}", 0)):
                return  # not its turn: receipting it would promise an order its nonce cannot keep
            try:
                self.mempool.add(raw)
            except InvalidMessage:
                return
            # the sidechain judges order within blocks, not time to inclusion: no deadline
            entry = issue_receipt(self.store, self.key, self.receipts_under, h, tx.gas_price, 0, sender, tx.nonce)
        self.send(src, ("receipt", entry["receipt"], entry["signature"]))

    @property
    def epoch(self) -> int:
        return self.chain.head.epoch

    # -- rounds ---------------------------------------------------------------------------------
    def _timeout(self, base: int, round_: int) -> int:
        return base + round_ * self.config.timeout_delta

    def _start_round(self, round_: int) -> None:
        self.round, self.step = round_, PROPOSE
        if self.vset.proposer(self.h, round_) == self.key.address:
            if self.valid is not None:
                self._propose(round_, self.valid, self.valid_round)
            else:
                self._propose(round_, self._new_block(), -1)
        else:
            h = self.h
            self.timer(self._timeout(self.config.timeout_propose, round_), f"h{h} r{round_} propose timeout",
                       lambda: (self.h, self.round, self.step) == (h, round_, PROPOSE) and self._cast(PREVOTE, None))
        self._progress()

    def _new_block(self, extra_txs: Sequence[bytes] = ()) -> Block:
        mints = self.l1.mints(self.chain.nonce(MINTER))[:16]
        txs = mints + list(extra_txs) + [t for t in self.mempool.select(self.chain.nonce, self.config.max_txs)
                                         if t not in extra_txs]
        deposits, index = [], self.chain.dep_next
        while index in self.deposits and len(deposits) < 16:
            deposits.append(self.deposits[index])
            index += 1
        time = max(self.sim.scheduler.now, self.chain.head.time + 1)
        epoch = max(self.epoch, self.l1.latest_epoch())
        return self.chain.build(self.key.address, time, txs[:self.config.max_txs], deposits, epoch)

    def _propose(self, round_: int, block: Block, valid_round: int) -> None:
        slot = f"proposal/{self.h}/{round_}"
        stored = self.store.get(slot)
        if stored is not None:  # proposed before a crash: propose the same block again
            block, valid_round = Block.from_json(stored["block"]), stored["valid_round"]
        else:
            self.store.put(slot, {"block": block.to_json(), "valid_round": valid_round})
        proposal = Proposal.make(self.key, self.epoch, self.h, round_, valid_round, block)
        self._accept(proposal)
        self._broadcast(proposal)
        self._send_polka(proposal)

    def _cast(self, step: int, value: Optional[bytes]) -> None:
        slot = f"vote/{self.h}/{self.round}/{step}"
        stored = self.store.get(slot)
        if stored is not None:  # signed before a crash: never sign anything else
            value = bytes.fromhex(stored) if stored else None
        else:
            self.store.put(slot, value.hex() if value else "")
        vote = Vote.make(self.key, self.epoch, self.h, self.round, step, value)
        self.step = step
        self._accept(vote)
        self._broadcast(vote)

    def _send_polka(self, proposal: Proposal) -> None:
        """A re-proposed block goes with the prevotes of its ``valid_round``: peers that missed
        them (partitioned, restarted) could otherwise never accept it (Tendermint's POL)."""
        if proposal.valid_round >= 0:
            for vote in self.votes.get((proposal.valid_round, PREVOTE), {}).values():
                if vote.block_hash == proposal.block.hash:
                    self._broadcast(vote)

    def _broadcast(self, message: Any) -> None:
        for peer in self.peers:
            self.send(peer, message)

    # -- messages -------------------------------------------------------------------------------
    def on_message(self, src: str, message: Any) -> None:
        if isinstance(message, bytes):
            if self.receipts_under is not None:
                self._arrive(src, message)
                return
            try:
                self.mempool.add(message)
            except InvalidMessage:
                pass
        elif isinstance(message, Deposit):
            if message.index >= self.chain.dep_next and self.l1.deposit_ok(message):
                self.deposits[message.index] = message
        elif isinstance(message, Commit):
            if self._on_commit(message):
                self.send(src, Status(self.h))
        elif isinstance(message, Status):
            if message.height < self.h:
                self._help(src, message.height)
        elif isinstance(message, (Proposal, Vote)):
            if message.height < self.h:
                self._help(src, message.height)
            elif message.height == self.h + 1 and len(self.future.get(self.h + 1, ())) < 10_000:
                self.future.setdefault(message.height, []).append((src, message))
            elif message.height == self.h:
                self._accept(message, src)
                self._progress()

    def _accept(self, message: Any, src: Optional[str] = None) -> None:
        try:
            signer = message.signer
        except InvalidMessage:
            return
        if isinstance(message, Proposal):
            first = self.proposals.get(message.round)
            if message.epoch != self.epoch or signer != self.vset.proposer(self.h, message.round):
                return
            if first is None:
                self.proposals[message.round] = message
                self.senders.setdefault(message.round, set()).add(signer)
            elif first.block.hash != message.block.hash:
                self._report(Evidence(first.signed, message.signed))
            return
        if message.epoch != self.epoch or not self.vset.power(signer):
            return
        slot = self.votes.setdefault((message.round, message.step), {})
        first = slot.get(signer)
        if first is None:
            slot[signer] = message
            self.senders.setdefault(message.round, set()).add(signer)
            if src is not None and signer != self.key.address:
                self._forward(message, {src, signer})
        elif first.block_hash != message.block_hash:
            self._report(Evidence(first, message))

    def _forward(self, vote: Vote, skip: set[str]) -> None:
        candidates = [p for p in self.peers if p not in skip]
        for peer in self.rng.sample(candidates, min(self.config.fanout, len(candidates))):
            self.send(peer, vote)

    def _report(self, evidence: Evidence) -> None:
        if evidence.key in self.reported:
            return
        self.reported.add(evidence.key)
        self.store.put(f"evidence/{evidence.key}", [evidence.first.encode().hex(), evidence.second.encode().hex()])
        self.log(f"EVIDENCE {evidence!r}")
        self.l1.report(self.key, evidence)

    def _help(self, src: str, height: int) -> None:
        """A peer is behind: send it the commit of the height it is at (once a gossip period)."""
        last = self.helped.get((src, height))
        if last is not None and self.sim.scheduler.now - last < self.config.gossip_ms:
            return
        self.helped[(src, height)] = self.sim.scheduler.now
        self.send(src, self.commit_of(height))

    def commit_of(self, height: int) -> Commit:
        """The stored block ``height`` with its certificate."""
        return Commit(self.chain.blocks[height],
                      tuple(Vote.decode(bytes.fromhex(v)) for v in self.chain.certificate(height)))

    def _on_commit(self, commit: Commit) -> bool:
        """Decide the commit's block if it is for this height and carries a quorum."""
        if commit.height != self.h:
            return False
        block = commit.block
        voters = []
        for vote in commit.precommits:
            if vote.height == self.h:
                self._accept(vote)  # a certificate can hold the other half of an equivocation
            try:
                ok = (vote.step, vote.height, vote.epoch, vote.block_hash) == (PRECOMMIT, self.h, self.epoch, block.hash)
                if ok:
                    voters.append(vote.signer)
            except InvalidMessage:
                continue
        if self.vset.weight(voters) >= self.vset.quorum and self._valid(block):
            self._decide(block, commit.precommits)
            return True
        return False

    def _gossip(self) -> None:
        """Re-send this round's proposal and own votes (the network loses messages)."""
        me = self.key.address
        if self.round >= 0:
            own = self.proposals.get(self.round)
            if own is not None and own.signer == me:
                self._broadcast(own)
                self._send_polka(own)
            for step in (PREVOTE, PRECOMMIT):
                vote = self.votes.get((self.round, step), {}).get(me)
                if vote is not None:
                    self._broadcast(vote)
        self.timer(self.config.gossip_ms, "gossip", self._gossip)

    # -- the algorithm's rules ------------------------------------------------------------------
    def _valid(self, block: Block) -> bool:
        if block.hash not in self.validity:
            self.validity[block.hash] = self._check(block)
        return self.validity[block.hash]

    def _check(self, block: Block) -> bool:
        if block.height != self.h or block.header.epoch > self.l1.latest_epoch():
            return False
        deposits_ok = all(d.index == block.header.dep_start + i and self.l1.deposit_ok(d)
                          for i, d in enumerate(block.deposits)) and self._mints_ok(block)
        try:
            self.chain.check(block)
        except InvalidBlock:
            return False
        return deposits_ok

    def _mints_ok(self, block: Block) -> bool:
        """Every transaction of the minter is the mint of the L1 token deposit its nonce names."""
        return forged_mint(block.txs, self.l1.token_deposit_ok) is None

    def _weight(self, round_: int, step: int, value: Any = ANY) -> int:
        slot = self.votes.get((round_, step), {})
        return self.vset.weight(s for s, v in slot.items() if value is ANY or v.block_hash == value)

    def _once(self, *tag: Any) -> bool:
        if tag in self.fired:
            return False
        self.fired.add(tag)
        return True

    def _progress(self) -> None:
        while self._rule():
            pass

    def _rule(self) -> bool:
        """Apply the first rule whose condition holds; whether one did."""
        h, r, quorum = self.h, self.round, self.vset.quorum
        proposal = self.proposals.get(r)
        # Decide: a proposal of any round with a quorum of precommits.
        for round_, p in list(self.proposals.items()):
            if self._weight(round_, PRECOMMIT, p.block.hash) >= quorum and self._valid(p.block):
                cert = tuple(v for v in self.votes[(round_, PRECOMMIT)].values() if v.block_hash == p.block.hash)
                self._decide(p.block, cert)
                return True
        # f + 1 power in a later round: go there.
        for round_, senders in self.senders.items():
            if round_ > r and self.vset.weight(senders) > self.vset.faulty:
                self._start_round(round_)
                return True
        if r < 0:
            return False
        if self.step == PROPOSE and proposal is not None:
            block, vr = proposal.block, proposal.valid_round
            if vr == -1:
                ok = self._valid(block) and (self.locked_round == -1 or self.locked == block)
                self._cast(PREVOTE, block.hash if ok else None)
                return True
            if 0 <= vr < r and self._weight(vr, PREVOTE, block.hash) >= quorum:
                ok = self._valid(block) and (self.locked_round <= vr or self.locked == block)
                self._cast(PREVOTE, block.hash if ok else None)
                return True
        if self.step == PREVOTE and self._weight(r, PREVOTE) >= quorum and self._once("prevote-timeout", r):
            self.timer(self._timeout(self.config.timeout_vote, r), f"h{h} r{r} prevote timeout",
                       lambda: (self.h, self.round, self.step) == (h, r, PREVOTE) and self._cast(PRECOMMIT, None))
        if self.step >= PREVOTE and proposal is not None and self._valid(proposal.block) \
                and self._weight(r, PREVOTE, proposal.block.hash) >= quorum and self._once("polka", r):
            if self.step == PREVOTE:
                self.locked, self.locked_round = proposal.block, r
            self.valid, self.valid_round = proposal.block, r
            self._save_lock()
            if self.step == PREVOTE:
                self._cast(PRECOMMIT, proposal.block.hash)
            return True
        if self.step == PREVOTE and self._weight(r, PREVOTE, None) >= quorum:
            self._cast(PRECOMMIT, None)
            return True
        if self._weight(r, PRECOMMIT) >= quorum and self._once("precommit-timeout", r):
            self.timer(self._timeout(self.config.timeout_vote, r), f"h{h} r{r} precommit timeout",
                       lambda: (self.h, self.round) == (h, r) and self._start_round(r + 1))
        return False

    def _save_lock(self) -> None:
        self.store.put("lock", {"h": self.h, "locked_round": self.locked_round,
                                "locked": self.locked.to_json() if self.locked else None,
                                "valid_round": self.valid_round,
                                "valid": self.valid.to_json() if self.valid else None,
                                "polka": [v.encode().hex() for v in self._polka()]})

    def _polka(self) -> list[Vote]:
        """The prevotes for ``valid`` in ``valid_round``: the proof of lock a re-proposal of it carries."""
        if self.valid is None:
            return []
        slot = self.votes.get((self.valid_round, PREVOTE), {})
        return [v for v in slot.values() if v.block_hash == self.valid.hash]

    def _decide(self, block: Block, certificate: tuple[Vote, ...]) -> None:
        self.chain.commit(block, [v.encode().hex() for v in certificate])
        self.log(f"DECIDE h{block.height} {block.hash.hex()[:8]} ({len(block.txs)} txs, round {self.round})")
        self.mempool.remove(block.txs, self.chain.nonce)
        self.deposits = {i: d for i, d in self.deposits.items() if i >= self.chain.dep_next}
        for watcher in self.watchers:
            self.send(watcher, Commit(block, certificate))
        for hook in self.on_decide:
            hook(self, block, certificate)
        self._enter_height(block.height + 1)


def network(sim, keys: Sequence[Key], genesis: Genesis, l1: L1View,
            config: ConsensusConfig = ConsensusConfig(), watchers: Sequence[str] = (),
            cls: type[Validator] = Validator, **extra: Any) -> list[Validator]:
    """Add one validator agent per key (named ``v0``, ``v1``, ...) to ``sim``."""
    names = [f"v{i}" for i in range(len(keys))]
    return [sim.add(cls(name, sim, key, genesis, names, l1, config, watchers, **extra))
            for name, key in zip(names, keys)]
