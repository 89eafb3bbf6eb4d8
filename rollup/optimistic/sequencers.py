"""The optimistic rollup sequenced by a staked, rotating set of sequencers
(:class:`~prozchain.rollup.economics.sequencing.SequencerSet` as the portal's sequencer) under a
stated ordering policy, and the wallet that holds them to it.

- :class:`SetMember` receipts every transaction on arrival (an
  :class:`~prozchain.rollup.economics.ordering.ArrivalReceipt` on its own arrival chain) and,
  in the slots the set gives it, posts its receipted transactions in arrival order through the
  set. It can be told to misbehave: ``"front-run"`` (copy a transaction to ``target`` and put
  its own copy first), ``"censor"`` (leave out ``victim``'s transactions) or ``"silent"``
  (never post).
- :class:`ReceiptWallet` sends each transaction to every member until each has receipted it
  or it is on L1, keeps the receipts and, when watching, checks them against the batches on
  L1 (:func:`~prozchain.rollup.economics.ordering.audit`) and disputes a contradicted one. When
  an epoch has no seed because nobody posted in the one before, it calls ``draw_seed``.

:data:`BOUNTY` is the L2 contract the front-running scenario fights over: whoever first calls
``claim(answer)`` with the answer committed in its storage gets its whole balance.
"""

from __future__ import annotations

from typing import Any, Optional

from prozchain.rollup.economics.ordering import (GENESIS_PREFIX, POLICIES, ArrivalReceipt, Posted, audit,
                                                 chain_over, chain_step)
from prozchain.rollup.l1 import Chain, InvalidTransaction
from prozchain.rollup.optimistic.agents import Sequencer, Wallet
from prozchain.rollup.optimistic.node import L2Node
from prozchain.rollup.common.units import BLOCK_MS
from prozchain.rollup.vm.isa import assemble
from prozchain.rollup.vm.merkle import keccak
from prozchain.rollup.vm.tx import L2Tx

BOUNTY = assemble("""
    SET r7, 1
    EQ r6, r0, r7
    JUMPI r6, claim
    REVERT
claim:                    # r1 = answer; slot 0 holds HASH(answer, 0)
    SET r7, 0
    HASH r4, r1, r7
    SLOAD r5, r7
    EQ r6, r4, r5
    ISZERO r6, r6
    JUMPI r6, fail
    ENV r3, 2
    BALANCE r2, r3
    ISZERO r6, r2
    JUMPI r6, fail        # claimed already
    ENV r3, 0
    CALL r3, r2, r0
    RET r2
fail:
    REVERT
""")
MODES = ("honest", "front-run", "censor", "silent")


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
        seq = self.store.get("seq", 0)
        prefix = chain_step(bytes.fromhex(self.store.get("prefix", GENESIS_PREFIX.hex())), h)
        receipt = ArrivalReceipt(self.gate, seq, h, prefix, tx.gas_price, self.chain.time + self.inclusion_s)
        entry = {"receipt": receipt.to_json(), "signature": list(receipt.sign(self.key)), "raw": tx.encode().hex()}
        with self.store.batch():
            self.store.put(f"rcpt/{h.hex()}", entry)
            self.store.put(f"stream/{seq:010d}", h.hex())
            self.store.put(f"nonce/{sender}", tx.nonce + 1)
            self.store.put("seq", seq + 1)
            self.store.put("prefix", prefix.hex())
        return entry

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
        first = self._first()
        hashes = [self.store.get(k) for k in self.store.keys("stream/")][first:first + self.max_txs]
        txs = [bytes.fromhex(self.store.get(f"rcpt/{h}")["raw"]) for h in hashes]
        if self.mode == "censor":
            return [raw for raw in txs if L2Tx.decode(raw).sender != self.victim]
        if self.mode == "front-run" and not self.store.get("front-ran"):
            return self._front_run(txs)
        return txs

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
        chain = chain_over(start, [keccak(raw) for raw in txs])
        super().post(txs, chain[-1] if chain else start)


class ReceiptWallet(Wallet):
    """Sends to every member of ``members`` (network names); ``watch``: audit the receipts
    against L1 and dispute the first contradicted one."""

    def __init__(self, *args: Any, members: list[str], gate: str, watch: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members, self.gate, self.watch = members, gate, watch

    def _resend(self, raw: bytes) -> None:
        entry = self.store.get(f"sent/{raw.hex()}")
        if raw in self.node.included():
            return
        missing = [m for m in self.members if m not in entry.get("receipted", [])]
        for member in missing:
            self.send(member, ("tx", raw.hex()))
        if missing:
            self.timer(self.resend_ms, "resend", lambda: self._resend(raw))

    def on_message(self, src: str, message: Any) -> None:
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
            if problem == "inverted" or self.chain.view(self.gate, "jailed", posted.poster):
                continue
            self.log(f"disputing batch {posted.batch}: {problem} against receipt {receipt.seq}")
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
