"""The optimistic rollup sequenced by a staked, rotating set of sequencers
(:class:`~prozchain.rollup.economics.sequencing.SequencerSet` as the portal's sequencer) under a
stated ordering policy, and the wallet that holds them to it.

- :class:`SetMember` receipts every transaction on arrival (an
  :class:`~prozchain.rollup.economics.ordering.ArrivalReceipt` on its own arrival chain) and,
  in the slots the set gives it, posts its receipted transactions through the set in the order
  of the set's policy: in arrival order (first come first served), or (priority auction) the
  next run of arrivals with one transaction per sender, highest bid first, so a sender's nonces
  never fight its bids; its arrival chain moves in arrival order either way. It can be told
  to misbehave: ``"front-run"`` (copy a transaction to ``target`` and put its own copy
  first), ``"censor"`` (leave out ``victim``'s transactions), ``"silent"`` (never post) or,
  under the auction, ``"ignore-bids"`` (post the auction's batch in arrival order).
- :class:`ReceiptWallet` sends each transaction to every member until each has receipted it
  or it is on L1, keeps the receipts and, when watching, checks them against the batches on
  L1 (:func:`~prozchain.rollup.economics.ordering.audit`) and disputes a contradicted one,
  or (auction) a pair posted against their bids. When an epoch has no seed because nobody
  posted in the one before, it calls ``draw_seed``.

:data:`~prozchain.rollup.vm.examples.BOUNTY` is the L2 contract the front-running scenario
fights over.
"""

from __future__ import annotations

from typing import Any, Optional

from prozchain.rollup.economics.ordering import (POLICIES, Arrival, ArrivalReceipt, Posted, PriorityAuction, audit,
                                                 chain_over, inverted, issue_receipt)
from prozchain.rollup.l1 import Chain, InvalidTransaction
from prozchain.rollup.optimistic.agents import Sequencer, Wallet
from prozchain.rollup.optimistic.node import L2Node
from prozchain.rollup.common.units import BLOCK_MS
from prozchain.rollup.vm.merkle import keccak
from prozchain.rollup.vm.tx import L2Tx

MODES = ("honest", "front-run", "censor", "silent", "ignore-bids")


class SetMember(Sequencer):
    """A member of the sequencer set ``gate`` (see the module docstring); receipts promise
    inclusion within ``inclusion_s`` L1 seconds."""

    def __init__(self, *args: Any, gate: str, mode: str = "honest", target: str = "", victim: str = "",
                 inclusion_s: int = 600, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if mode not in MODES:
            raise ValueError(f"mode {mode!r}: one of {', '.join(MODES)}")
        self.gate, self.mode, self.target, self.victim, self.inclusion_s = gate, mode, target, victim, inclusion_s
        self.posts_through = gate
        self.policy = POLICIES[self.chain.view(gate, "policy")]

    def on_message(self, src: str, message: Any) -> None:
        raw = bytes.fromhex(message[1])
        try:
            tx = L2Tx.decode(raw)
            sender = tx.sender
        except (ValueError, InvalidTransaction):
            self.log(f"rejected a malformed transaction from {src}")
            return
        h = keccak(raw)
        entry = self.store.get(f"rcpt/{h.hex()}")
        if entry is None:
            if self.refused(src, tx, message[1]):
                return
            if raw in self.node.included():
                self.send(src, ("ack", raw.hex(), None, None))
                return
            entry = self._receipt(tx, sender, h)
            if entry is None:
                return  # its sender's earlier transaction has not arrived: the wallet resends
        self.send(src, ("ack", raw.hex(), entry["receipt"], entry["signature"]))

    def _receipt(self, tx: L2Tx, sender: str, h: bytes) -> Optional[dict]:
        """Receipt ``tx`` as the next arrival if its nonce is due (durably, before the ack)."""
        world = self.node.batches[-1].trace.final.world if self.node.batches else self.node.genesis_world
        due = max(self.node.ex.nonce(world, sender), self.store.get(f"nonce/{sender}", 0))
        if tx.nonce != due:
            return None
        # an auction batch holds one transaction per sender: its k-th waiting one is k batches away
        batches = 1 + (sum(L2Tx.decode(raw).sender == sender for raw in self._waiting())
                       if isinstance(self.policy, PriorityAuction) else 0)
        return issue_receipt(self.store, self.key, self.gate, h, tx.gas_price,
                             self.chain.time + batches * self.inclusion_s, sender, tx.nonce, raw=tx.encode().hex())

    def _waiting(self) -> list[bytes]:
        """Receipted transactions the set has not seen this member post, in arrival order."""
        hashes = [self.store.get(k) for k in self.store.keys("stream/")][self._first():]
        return [bytes.fromhex(self.store.get(f"rcpt/{h}")["raw"]) for h in hashes]

    def tick(self) -> None:
        # the batch lands in the next block: it must be this member's turn then
        if self.mode == "silent" or not self.chain.view(self.gate, "may_post", self.address,
                                                        self.chain.time + BLOCK_MS // 1_000):
            return
        if self.mode == "censor" and self._first() < self.store.get("seq", 0) \
                and self.sim.scheduler.now - self.last_post >= self.batch_ms:
            # a censor keeps its turns busy: it posts all it does not withhold, even nothing
            self.post(self._executable())
            self.last_post = self.sim.scheduler.now
            return
        super().tick()

    def _first(self) -> int:
        """The first arrival number the set has not seen this member post."""
        first, _ = self.chain.view(self.gate, "stream", self.address)
        return first - self.store.get("inserted", 0)  # its own copies took arrival numbers on L1

    def _executable(self) -> list[bytes]:
        """Receipted transactions the set has not seen this member post, in arrival order
        (bent by the mode when told to misbehave)."""
        txs = self._waiting()[:self.max_txs]
        if self.mode == "censor":
            return [raw for raw in txs if L2Tx.decode(raw).sender != self.victim]
        if self.mode == "front-run" and not self.store.get("front-ran"):
            return self._front_run(txs)
        return self._by_bid(txs) if isinstance(self.policy, PriorityAuction) else txs

    def _by_bid(self, txs: list[bytes]) -> list[bytes]:
        """The auction's batch: the arrivals up to the first whose sender already has one in it,
        highest bid first (ties in arrival order)."""
        senders: set[str] = set()
        run = []
        for raw in txs:
            sender = L2Tx.decode(raw).sender
            if sender in senders:
                break
            senders.add(sender)
            run.append(raw)
        if self.mode == "ignore-bids":
            return run
        bids = {keccak(raw): raw for raw in run}
        return [bids[a.tx_hash] for a in self.policy.order([Arrival(i, keccak(raw), L2Tx.decode(raw).gas_price)
                                                            for i, raw in enumerate(run)])]

    def _front_run(self, txs: list[bytes]) -> list[bytes]:
        for i, raw in enumerate(txs):
            tx = L2Tx.decode(raw)
            if tx.to == self.target and tx.sender != self.address:
                world = self.node.batches[-1].trace.final.world if self.node.batches else self.node.genesis_world
                copy = L2Tx(self.node.ex.nonce(world, self.address), tx.to, 0, tx.args,
                            gas_limit=tx.gas_limit).sign(self.key)
                self.store.put("front-ran", copy.encode().hex())
                self.store.put("inserted", 1)
                self.log("FRONT-RUNNING a transaction it had receipted")
                return txs[:i] + [copy.encode()] + txs[i:]
        return txs

    def post(self, txs: list[bytes], *extra: Any) -> None:
        """Post through the set, with the arrival chain's head after ``txs``."""
        _, start = self.chain.view(self.gate, "stream", self.address)
        hashes = [keccak(raw) for raw in txs]
        if isinstance(self.policy, PriorityAuction):  # the chain is of arrivals, not of the bid order
            hashes.sort(key=lambda h: self.store.get(f"rcpt/{h.hex()}")["receipt"]["seq"])
        chain = chain_over(start, hashes)
        super().post(txs, chain[-1] if chain else start)


class ReceiptWallet(Wallet):
    """Sends to every member of ``members`` (network names); ``watch``: audit the receipts
    against L1 and dispute the first contradicted one."""

    def __init__(self, *args: Any, members: list[str], gate: str, watch: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members, self.gate, self.watch = members, gate, watch

    def _resend(self, raw: bytes) -> None:
        entry = self.store.get(f"sent/{raw.hex()}")
        if raw in self.node.included() or entry.get("rejected"):
            return
        missing = [m for m in self.members if m not in entry.get("receipted", [])]
        for member in missing:
            self.send(member, ("tx", raw.hex()))
        if missing:
            self.timer(self.resend_ms, "resend", lambda: self._resend(raw))

    def on_message(self, src: str, message: Any) -> None:
        if self.note_rejection(message):
            return
        _, raw_hex, receipt, signature = message
        entry = self.store.get(f"sent/{raw_hex}")
        if entry is None or src in entry.get("receipted", []):
            return
        entry["acked"] = True
        entry["receipted"] = entry.get("receipted", []) + [src]
        if receipt is not None:
            signer = ArrivalReceipt.from_json(receipt).signer(signature)
            entry.setdefault("receipts", []).append({"receipt": receipt, "signature": signature, "signer": signer})
        self.store.put(f"sent/{raw_hex}", entry)

    def receipts(self) -> list[dict]:
        return [r for k in self.store.keys("sent/") for r in self.store.get(k).get("receipts", [])]

    def tick(self) -> None:
        if self.chain.view(self.gate, "needs_draw"):  # nobody posted to schedule this epoch's seed
            self.submit(self.gate, "draw_seed", gas_limit=300_000)
        if not (self.watch and self._dispute()):
            super().tick()

    def _dispute(self) -> bool:
        policy = POLICIES[self.chain.view(self.gate, "policy")]
        held = [(ArrivalReceipt.from_json(r["receipt"]), r["signer"]) for r in self.receipts()]
        signatures = {(r["receipt"]["seq"], r["signer"]): r["signature"] for r in self.receipts()}
        for receipt, posted, problem in audit(policy, held, posted_batches(self.chain, self.gate, self.node)):
            if self.chain.view(self.gate, "jailed", posted.poster):
                continue
            self.log(f"disputing batch {posted.batch}: {problem} against receipt {receipt.seq}")
            if problem == "inverted":  # with the receipt it was posted against
                other = next(r for r, signer in held if signer == posted.poster and inverted(r, receipt, posted))
                pair = [([r.seq, r.bid, r.deadline], [r.tx_hash, r.prefix], signatures[(r.seq, posted.poster)])
                        for r in (other, receipt)]
                self.submit(self.gate, "dispute_pair", posted.batch, *pair[0], *pair[1], list(posted.leaves))
            else:
                self.submit(self.gate, "dispute", posted.batch, receipt.seq, receipt.tx_hash, receipt.prefix,
                            receipt.bid, receipt.deadline, signatures[(receipt.seq, posted.poster)],
                            list(posted.leaves))
            return True
        return False


def posted_batches(chain: Chain, gate: str, node: L2Node) -> list[Posted]:
    """The batches posted through the set ``gate`` as L1 data alone shows them: the set's
    records, and each batch's transactions as ``node`` derived them from the batch data."""
    out = []
    for block, log in chain.logs(gate, "Sequenced"):
        batch, poster, first, _, start, head = log.args
        if batch < len(node.batches):
            leaves = tuple(keccak(raw) for raw in node.batches[batch].txs)
            out.append(Posted(batch, poster, first, start, head, chain.blocks[block].timestamp, leaves))
    return out
