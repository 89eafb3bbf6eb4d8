"""The ZK rollup's off-chain agents on the simulation harness.

- :class:`OperatorAgent`: sequencer and aggregator (a :class:`~rollup.zk.operator.Pipeline`
  over the agent's store). Every ``poll_ms`` it seals a batch (the deposit queue first, then the
  mempool by fee) and proves it; the proof is posted ``prove_ms`` later, and transactions that
  arrive meanwhile fill the next batch. It can be told to censor from some time on.
- :class:`Wallet`: the users' side. It sends their L2 transactions (resending until the
  operator answers), keeps the furthest status it has learnt of each (from the operator's
  answers, and from its own replay of L1 data, which shows the batch that applied it), claims
  their ledger entries, and watches the deposit queue: once a request is overdue it freezes the
  rollup, then exits every user with a Merkle proof from that replay and takes back unserved
  deposits.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from prozchain.circuits.circuit import CompiledCircuit
from prozchain.circuits.txtypes import Account, Tx, TxRejected
from prozchain.prover.formats.zkey import ZKey
from prozchain.rollup.l1 import Key
from prozchain.rollup.sim.agent import Agent
from prozchain.rollup.zk.errors import ZkRollupError
from prozchain.rollup.zk.node import ZkNode, tx_id
from prozchain.rollup.zk.operator import INCLUDED, PENDING, REJECTED, Batch, Pipeline, TxStatus
from prozchain.rollup.zk.system import System

L1_GAS = 3_000_000
PROGRESS = (REJECTED, PENDING, INCLUDED)  # a transaction's status only moves forward


class OperatorAgent(Agent):
    def __init__(self, name: str, sim: Any, system: System, compiled: CompiledCircuit, zkey: ZKey,
                 poll_ms: int = 12_000, prove_ms: int = 8_000, durable: bool = True,
                 censor_from: Optional[int] = None, on_proving: Optional[Callable[[Batch], None]] = None):
        super().__init__(name, sim, durable)
        self.system, self.compiled, self.zkey = system, compiled, zkey
        self.poll_ms, self.prove_ms, self.censor_from, self.on_proving = poll_ms, prove_ms, censor_from, on_proving

    def on_start(self) -> None:
        self.pipeline = Pipeline(self.system, self.compiled, self.zkey, self.store,
                                 blinding=self.sim.scheduler.rng(f"{self.name}/blinding/{self.incarnation}"))
        self.proving = self.halted = False
        self.log(f"restored: {len(self.pipeline.mempool)} in mempool, {len(self.pipeline.sealed)} sealed batches")
        self.timer(self.poll_ms, "poll", self._poll)

    def censoring(self) -> bool:
        return self.censor_from is not None and self.sim.scheduler.now >= self.censor_from

    def _poll(self) -> None:
        if not self.proving and not self.censoring() and not self.halted:
            batch = self.pipeline.sealed[0] if self.pipeline.sealed else self.pipeline.seal()
            if batch is not None:
                proof, stats = self.pipeline.prove(batch)
                self.proving = True
                self.log(f"proving batch {batch.number} ({batch.n_txs} txs)")
                if self.on_proving:
                    self.on_proving(batch)
                self.timer(self.prove_ms, "submit", lambda: self._submit(batch, proof, stats))
        self.timer(self.poll_ms, "poll", self._poll)

    def _submit(self, batch, proof, stats) -> None:
        receipt = self.pipeline.submit(batch, proof, stats)
        self.log(f"batch {batch.number}: {'verified' if receipt.status else receipt.error}, gas {receipt.gas_used}")
        self.proving = False
        if not receipt.status:
            try:  # L1 moved on without us: start over from what it holds
                self.pipeline.restore()
            except (ZkRollupError, TxRejected) as exc:
                self.halted = True
                self.log(f"HALTED: L1 holds a state this operator cannot replay: {exc}")

    def on_message(self, src: str, message: Any) -> None:
        if "tx" in message and not self.censoring():  # a censoring operator does not even answer
            tx = Tx.from_json(message["tx"])
            self.send(src, {"ack": tx.key(), "status": self.pipeline.receive(tx)})


class Wallet(Agent):
    """Acts for ``users`` (L1 keys; their L2 accounts are the ones their deposits opened);
    ``exodus`` turns the watcher on."""

    def __init__(self, name: str, sim: Any, system: System, users: list[Key], operator: str,
                 poll_ms: int = 12_000, exodus: bool = True):
        super().__init__(name, sim, durable=True)
        self.system, self.operator, self.poll_ms, self.exodus = system, operator, poll_ms, exodus
        self.keys = {k.address: k for k in users}  # an address costs a curve multiplication: once
        self.status: dict[str, TxStatus] = {}
        self.outbox: dict[str, Tx] = {}

    def on_start(self) -> None:
        self.node = ZkNode(self.system.chain, self.system.rollup, self.system.depth)
        self.replays = True
        self.timer(self.poll_ms, "poll", self._poll)

    def send_l2(self, tx: Tx) -> None:
        self.outbox[tx.key()] = tx
        self._resend(tx.key())

    def _resend(self, key: str, delay: int = 5_000) -> None:
        """Send until acknowledged, backing off from 5 s to a minute between tries."""
        if key in self.status:
            return
        self.send(self.operator, {"tx": self.outbox[key].to_json()})
        self.timer(delay, "resend", lambda: self._resend(key, min(2 * delay, 60_000)))

    def on_message(self, src: str, message: Any) -> None:
        if "ack" in message:
            self._learn(message["ack"], message["status"])

    def _learn(self, key: str, status: TxStatus) -> None:
        """Keep the furthest status heard: answers arrive late, twice or out of order."""
        known = self.status.get(key)
        if known is None or PROGRESS.index(status.state) > PROGRESS.index(known.state):
            self.status[key] = status
            if status.state == REJECTED:
                self.log(f"rejected: {status.reason}")

    def _reconcile(self) -> None:
        """Learn from L1 data which batch applied each sent transaction, whatever the operator said."""
        if not self.replays:
            return
        try:
            self.node.sync()
        except (ZkRollupError, TxRejected) as exc:
            self.replays = False  # the node is stuck at the batch it cannot replay
            self.log(f"cannot replay L1 data: {exc}")
            return
        for key, tx in self.outbox.items():
            batch = self.node.included.get(tx_id(tx))
            if batch is not None:
                self.status[key] = TxStatus(INCLUDED, batch)  # the truth, over any answer

    def l1(self, who: Key, method: str, *args: Any) -> None:
        chain = self.system.chain
        chain.submit(chain.build(who, self.system.rollup, method, *args, gas_limit=L1_GAS))

    def _poll(self) -> None:
        chain, rollup = self.system.chain, self.system.rollup
        busy = {a for a in self.keys if chain.pending_nonce(a) > chain.state.nonce(a)}
        root, batches, served, queued, entries, frozen = chain.view(rollup, "state")
        self._reconcile()
        for _, log in chain.logs(rollup, "Credited"):
            entry, to, _ = log.args
            if to in self.keys and to not in busy and not chain.view(rollup, "claimed", entry):
                self.l1(self.keys[to], "claim", entry)
                busy.add(to)
        if self.exodus and not frozen and served < queued and chain.view(rollup, "overdue"):
            anyone = next(iter(self.keys))
            if anyone not in busy:
                self.l1(self.keys[anyone], "freeze")
                self.log("freezing the rollup: a queued request is overdue")
        if frozen and self.replays:
            self._exodus(busy)
        self.timer(self.poll_ms, "poll", self._poll)

    def _exodus(self, busy: set) -> None:
        chain, rollup, node = self.system.chain, self.system.rollup, self.node
        opened = {}
        for _, log in chain.logs(rollup, "Deposited"):
            position, index, _, _, _, sender = log.args
            opened.setdefault(sender, index)
        for address, index in opened.items():
            account: Account[int] = node.tree.get(index)
            if address in self.keys and address not in busy and account.balance \
                    and not chain.view(rollup, "exited", index):
                siblings, _ = node.tree.proof(index)
                self.l1(self.keys[address], "exit", index, *account.values(), siblings)
                busy.add(address)
        served = chain.view(rollup, "state")[2]
        for _, log in chain.logs(rollup, "Deposited"):
            position, sender = log.args[0], log.args[5]
            if position >= served and sender in self.keys and sender not in busy \
                    and not chain.view(rollup, "refunded", position):
                self.l1(self.keys[sender], "refund", position)
                busy.add(sender)
