"""The ZK rollup's off-chain agents: the operator's pipeline and the harness agents.

**The operator** is a sequencer (mempool, validation with reasons, priority-fee order,
batching) and an aggregator (witness, Groth16 proof, submission) over a durable store.
:class:`Pipeline` is the logic, usable directly (tests, the demo) or inside the harness agent
:class:`OperatorAgent`. What must survive a crash is written to the store before it is acted
on: the mempool on every accepted transaction, a sealed batch (its transactions) together with
the mempool without them. A restarted pipeline rebuilds the verified state from L1
(:class:`~prozchain.rollup.zk.node.ZkNode`), replays the sealed batches L1 has not verified
yet, and proves and submits them: no transaction lost, none applied twice (L1 refuses a batch
whose old root is not the current root).

Each batch serves the L1 deposit queue first, in order, then the mempool by fee (highest
first; a sender's transactions in nonce order), padded with noops. Given a
:class:`~prozchain.rollup.economics.FeeModel`, the operator takes a transaction only if its fee
field (L2 units, signed in the circuit) covers the model's quote for it, ``fees.quote(tx.encode(),
tx_gas(tx), L1Prices.of(chain), priority_fee, tx_l1_gas(tx))`` (the charge is the field times
``UNIT``: within one unit above the quote when the field is the quote rounded up), and seals it
only while it still covers the batch's requirement (else it waits, as under EIP-1559); each
sealed batch carries the split of every fee (:attr:`Batch.charges`) and moves the L2 base fee for
the next. A transaction fills its type's ``n_slots`` slots; one that does not fit in what is left
waits for the next batch.

**Ordering policy.** Once the operator has stated first come first served on L1
(``state_policy("fcfs")``, see :mod:`~prozchain.rollup.zk.contracts.rollup`), the pipeline
follows it instead of the fee order: each accepted transaction gets a signed
:class:`~prozchain.rollup.economics.ordering.ArrivalReceipt` (:meth:`Pipeline.receipt_of`) whose
arrival number is its mempool position, promising inclusion within ``inclusion_s`` L1 seconds;
it is validated against the state after every receipted transaction before it (so the order
given is one that applies), a transaction ahead of its sender's nonce is refused (the sender
sends it after its predecessor), and a batch takes the mempool in arrival order, stopping at the
first that does not fit (nothing overtakes). Batches are posted with ``submit_ordered_batch``
and the arrival chain's head, and any receipt's holder can dispute a batch that breaks it.

A transaction sent (or resent) is answered with its :class:`TxStatus`: included in a sealed or
verified batch (which one), pending in the mempool, or rejected with the reason. A resend of a
transaction already batched is thus told where it went, not that its nonce is used.

**On the simulation harness:**

- :class:`OperatorAgent`: a :class:`Pipeline` over the agent's store. Every ``poll_ms`` it seals
  a batch (the deposit queue first, then the mempool by fee) and proves it; the proof is posted
  ``prove_ms`` later, and transactions that arrive meanwhile fill the next batch. It can be told
  to censor from some time on, or to censor the transactions a predicate picks.
- :class:`Wallet`: the users' side. It sends their L2 transactions (resending until the
  operator answers), keeps the furthest status it has learnt of each (from the operator's
  answers, and from its own replay of L1 data, which shows the batch that applied it), claims
  their ledger entries, and watches the deposit queue: once a request is overdue it freezes the
  rollup, then exits every user with a Merkle proof from that replay and takes back unserved
  deposits. Users who distrust an announced verifier version force that path within its delay.
  With ``force_after_ms``, a withdrawal not included that long after it was first sent is
  forced on L1 (``request_withdrawal``): the operator must serve it before the deadline (a
  ``full_exit`` of the account, which :meth:`Pipeline.seal` puts in the next batch when the
  circuit takes the type), or the watcher freezes the rollup.

The pipeline proves each batch with the circuit of the version it names (:meth:`Pipeline.add_version`),
sealing under the newest version L1 accepts now.
Given a :class:`~prozchain.prover.farm.Farm`, it proves on a dask cluster instead
(:meth:`Pipeline.prove_on_farm`): sealing has already applied each batch to the state in order
(its roots and Merkle paths), so only the solver's inputs are made here; the workers solve the
witnesses and prove in parallel.
"""

from __future__ import annotations

import random
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Optional

import numpy as np

from prozchain.circuits.builder import PUBLIC
from prozchain.circuits.circuit import CompiledCircuit
from prozchain.circuits.txtypes import (Account, BatchCircuit, NonceAhead, Slot, Tx, TxRejected, apply_tx, get,
                                        encode_batch, undo)
from prozchain.circuits.txtypes.accounts import TreeDelta
from prozchain.native import get_backend
from prozchain.prover.formats.zkey import ZKey
from prozchain.prover.groth16.keys import Proof
from prozchain.prover.groth16.prover import prove
from prozchain.prover.solidity import proof_from_words, proof_words
from prozchain.rollup.economics.ordering import GENESIS_PREFIX, ArrivalReceipt, chain_over, chain_step
from prozchain.rollup.l1 import Key, keccak256
from prozchain.rollup.l1 import gas as G
from prozchain.rollup.economics import Charge, FeeModel, FeeTooLow, L1Prices
from prozchain.rollup.l1.chain import Receipt
from prozchain.rollup.sim.agent import Agent
from prozchain.rollup.sim.store import MemoryStore, Store
from prozchain.rollup.zk.errors import ZkRollupError
from prozchain.rollup.zk.node import OwnBatch, ZkNode, tx_id
from prozchain.rollup.zk.system import UNIT, System

if TYPE_CHECKING:
    from prozchain.prover.farm import Farm


@dataclass
class Batch:
    number: int
    txs: list[Tx]
    old_root: int
    new_root: int
    slots: list[Slot] = field(default_factory=list, repr=False)
    public: list[int] = field(default_factory=list)  # set by proving: old root, new root, data hash
    version: int = 1  # the circuit version that proves it
    charges: list[Charge] = field(default_factory=list, repr=False)  # the fee split of its fee-paying txs
    head: Optional[bytes] = None  # the operator's arrival chain after it, under a stated policy
    delta: Optional[TreeDelta] = field(default=None, repr=False)  # the state it left, on its accounts' paths

    @property
    def data(self) -> bytes:
        return encode_batch(self.txs)

    @property
    def n_txs(self) -> int:
        return sum(tx.type != "noop" for tx in self.txs)

    def to_json(self) -> dict:
        return {"number": self.number, "txs": [tx.to_json() for tx in self.txs],
                "old_root": str(self.old_root), "new_root": str(self.new_root), "version": self.version,
                "head": None if self.head is None else self.head.hex()}


PENDING, INCLUDED, REJECTED = "pending", "included", "rejected"


@dataclass(frozen=True)
class TxStatus:
    """The operator's answer about one transaction: ``state`` is PENDING, INCLUDED (``batch``
    holds it) or REJECTED (``reason``)."""

    state: str
    batch: Optional[int] = None
    reason: Optional[str] = None


@dataclass
class BatchStats:
    """What proving and submitting one batch cost."""

    number: int
    txs: int
    constraints: int
    witness_s: float
    prove_s: float
    data_bytes: int
    submit_gas: int = 0
    verify_gas: int = 0
    inputs_s: float = 0.0  # making the solver's inputs here, when a farm worker solves the witness

    @property
    def gas_per_tx(self) -> float:
        return self.submit_gas / max(self.txs, 1)


def fee_of(tx: Tx) -> int:
    return tx.fields[tx.tx_type.fee] if tx.tx_type.fee else 0


SLOT_GAS = 2_000
"""L2 gas of one batch slot: a transaction's execution fee is its slots times this, at the L2
base fee (a ZK transaction runs no VM; its slots are what it takes of a proof)."""


WITHDRAW_L1_GAS = 70_000
"""L1 gas a withdrawal adds to its batch's submission: its ledger entry (three new storage words
and an event); its quote charges it besides the transaction's bytes."""


def tx_gas(tx: Tx) -> int:
    return tx.tx_type.n_slots * SLOT_GAS


def tx_l1_gas(tx: Tx) -> int:
    return WITHDRAW_L1_GAS if tx.tx_type.l1 == "withdraw" else 0


@dataclass(frozen=True)
class VersionCircuit:
    """A circuit version's batch circuit, compiled, and its proving key."""

    spec: BatchCircuit
    compiled: CompiledCircuit
    zkey: ZKey


class Pipeline:
    """Sequencer and aggregator of ``system``; see the module doc. It proves with ``compiled``
    and ``zkey`` (version 1, ``system.spec``) and the versions :meth:`add_version` gives it,
    batching under the newest one L1 accepts now."""

    def __init__(self, system: System, compiled: CompiledCircuit, zkey: ZKey, store: Optional[Store] = None,
                 blinding: Optional[random.Random] = None, farm: Optional["Farm"] = None,
                 fees: Optional[FeeModel] = None, inclusion_s: int = 600):
        """``blinding``: a seeded stream for the proofs' blinding factors, so a simulation
        replays byte for byte (proofs stay valid; they are then not zero-knowledge). Default:
        fresh randomness from the prover. ``farm``: prove on this
        :class:`~prozchain.prover.farm.Farm` instead of in this process. ``fees``: require and
        split fees by this model (None: any fee the user signs). ``inclusion_s``: the L1 seconds
        a receipt promises inclusion within, under a stated ordering policy."""
        self.system, self.blinding, self.farm, self.fees = system, blinding, farm, fees
        self.inclusion_s = inclusion_s
        self.circuits = {1: VersionCircuit(system.spec, compiled, zkey)}
        self.store = store if store is not None else MemoryStore()
        self.rejected: dict[str, str] = {}
        self.stats: list[BatchStats] = []
        self.restore()

    # -- circuit versions ---------------------------------------------------------------------------
    def add_version(self, version: int, spec: BatchCircuit, compiled: CompiledCircuit, zkey: ZKey) -> None:
        """Prove batches of ``version`` (proposed on L1 with ``spec``'s shape) with this circuit and key."""
        self.circuits[version] = VersionCircuit(spec, compiled, zkey)

    @property
    def version(self) -> int:
        """The newest version this operator has a circuit for and L1 accepts batches of now."""
        chain, rollup = self.system.chain, self.system.rollup
        usable = [v for v in self.circuits if chain.view(rollup, "usable", v)]
        if not usable:
            raise ZkRollupError(f"L1 accepts none of this operator's circuit versions {sorted(self.circuits)}")
        return max(usable)

    @property
    def spec(self) -> BatchCircuit:
        return self.circuits[self.version].spec

    @property
    def compiled(self) -> CompiledCircuit:
        return self.circuits[self.version].compiled

    @property
    def zkey(self) -> ZKey:
        return self.circuits[self.version].zkey

    # -- memory from the store and L1 -------------------------------------------------------------
    def restore(self) -> None:
        """Rebuild from L1 and the store: the verified state, the mempool, the sealed batches not
        yet verified, and the fee model's L2 base fee and data-fee scalar (:meth:`reprice`)."""
        chain = self.system.chain
        fees = self.store.get("fees")
        if self.fees is not None and fees is not None:
            self.fees.l2_base_fee, self.fees.scalar = fees["l2_base_fee"], fees["scalar"]
        self.node = ZkNode(chain, self.system.rollup, self.system.depth)
        self.node.sync()
        self.head = self.node.tree.copy()
        self.mempool: list[tuple[int, Tx]] = [(seq, Tx.from_json(doc)) for seq, doc in self.store.get("mempool", [])]
        self.sealed: list[Batch] = []
        for key in self.store.keys("batch/"):
            doc = self.store.get(key)
            if doc["number"] < self.node.batches:
                continue  # L1 verified it already
            batch = Batch(doc["number"], [Tx.from_json(t) for t in doc["txs"]], int(doc["old_root"]), int(doc["new_root"]),
                          version=doc["version"], head=bytes.fromhex(doc["head"]) if doc.get("head") else None)
            if batch.old_root != self.head.root:
                raise TxRejected(f"stored batch {batch.number} does not start from the head state")
            batch.slots = [apply_tx(self.head, tx, check_signatures=False) for tx in batch.txs]
            batch.delta = self._delta(batch.slots)
            self.sealed.append(batch)

    def _delta(self, slots: list[Slot]) -> TreeDelta:
        """The head state on the paths of the accounts ``slots`` touched, just after them: what the
        node takes for this batch once L1 verifies it, instead of replaying it (:meth:`submit`)."""
        return self.head.delta(index for slot in slots for index in slot.indices)

    # -- sequencer ----------------------------------------------------------------------------------
    @property
    def ordered(self) -> bool:
        """Whether the operator stated first come first served on L1 (see the module doc)."""
        policy = self.system.chain.view(self.system.rollup, "policy")
        if policy not in ("", "fcfs"):
            raise ZkRollupError(f"the ZK operator orders first come first served, L1 holds it to {policy!r}")
        return policy == "fcfs"

    def receipt_of(self, tx: Tx) -> Optional[tuple[ArrivalReceipt, tuple[int, int, int]]]:
        """The receipt the operator signed for ``tx`` and its signature, if it did."""
        doc = self.store.get(f"rcpt/{keccak256(tx.encode()).hex()}/{tx.key()}")
        return None if doc is None else (ArrivalReceipt.from_json(doc["receipt"]), tuple(doc["signature"]))

    def receive(self, tx: Tx) -> TxStatus:
        """Where ``tx`` stands, accepting it into the mempool if it is new and valid now."""
        batch = self.batch_of(tx)
        if batch is not None:
            return TxStatus(INCLUDED, batch)
        reason = self.accept(tx)
        return TxStatus(REJECTED, reason=reason) if reason else TxStatus(PENDING)

    def batch_of(self, tx: Tx) -> Optional[int]:
        """The number of the sealed or verified batch that holds ``tx``, if any."""
        for batch in self.sealed:
            if any(tx_id(t) == tx_id(tx) for t in batch.txs):
                return batch.number
        return self.node.included.get(tx_id(tx))

    def accept(self, tx: Tx) -> Optional[str]:
        """Validate ``tx`` now (signature, nonce, balance against the head state): None when it
        joins the mempool, else the reason it is rejected."""
        if any(tx.key() == t.key() for _, t in self.mempool):
            return None
        ordered = self.ordered
        try:
            if tx.tx_type.l1 in ("deposit", "full_exit"):
                raise TxRejected(f"{tx.type} transactions come from L1 requests only")
            if not any(tx.tx_type in c.spec.types for c in self.circuits.values()):
                raise TxRejected(f"this rollup's circuit does not take {tx.type!r} transactions")
            self._charge(tx)
            # under the policy it must apply after every receipted transaction before it
            ahead = [t for _, t in sorted(self.mempool, key=lambda item: item[0])] if ordered else []
            applied = []
            try:
                for t in ahead + [tx]:
                    applied.append(apply_tx(self.head, t))
            finally:
                for slot in reversed(applied):
                    undo(self.head, slot)
        except NonceAhead as exc:
            if ordered:  # an arrival number is a promise: only a transaction that applies now gets one
                self.rejected[tx.key()] = f"{exc}; send it after its sender's earlier transactions"
                return self.rejected[tx.key()]
            # else validly signed for a later nonce of its sender: it waits for its turn
        except TxRejected as exc:
            self.rejected[tx.key()] = str(exc)
            return str(exc)
        seq = self.store.get("seq", 0)
        with self.store.batch():
            self.store.put("seq", seq + 1)
            self.mempool.append((seq, tx))
            self._save_mempool()
            if ordered:
                self._receipt(tx)
        return None

    def _receipt(self, tx: Tx) -> None:
        """Sign ``tx``'s arrival as the next number on the operator's arrival chain (stored with it)."""
        seq, h = self.store.get("arrivals", 0), keccak256(tx.encode())
        prefix = chain_step(bytes.fromhex(self.store.get("prefix", GENESIS_PREFIX.hex())), h)
        chain = self.system.chain
        receipt = ArrivalReceipt(self.system.rollup, seq, h, prefix, fee_of(tx), chain.time + self.inclusion_s)
        self.store.put(f"rcpt/{h.hex()}/{tx.key()}", {"receipt": receipt.to_json(),
                                                       "signature": list(receipt.sign(self.system.operator))})
        self.store.put("prefix", prefix.hex())
        self.store.put("arrivals", seq + 1)

    def _charge(self, tx: Tx) -> Optional[Charge]:
        """The split of ``tx``'s fee if it were sealed now (None without a fee model or a fee
        field); :class:`TxRejected` if its fee does not cover the requirement."""
        if self.fees is None or not tx.tx_type.fee:
            return None
        try:
            return self.fees.split(fee_of(tx) * UNIT, tx_gas(tx), tx.encode(), L1Prices.of(self.system.chain),
                                   tx_l1_gas(tx))
        except FeeTooLow as exc:
            raise TxRejected(str(exc)) from exc

    def reprice(self, scalar: int) -> None:
        """Take the L1 pricer's new data-fee ``scalar`` (ppm), kept in the store: a restarted
        operator quotes as the crashed one did."""
        if self.fees is None:
            raise ZkRollupError("this operator has no fee model to reprice")
        self.fees.scalar = scalar
        self._save_fees()

    def _save_fees(self) -> None:
        if self.fees is not None:
            self.store.put("fees", {"l2_base_fee": self.fees.l2_base_fee, "scalar": self.fees.scalar})

    def _save_mempool(self) -> None:
        self.store.put("mempool", [[seq, tx.to_json()] for seq, tx in self.mempool])

    def queued_deposits(self) -> list[Tx]:
        """L1 deposit requests that no verified or sealed batch serves yet, in queue order."""
        served = self.system.chain.view(self.system.rollup, "state").served
        served += sum(tx.type == "deposit" for b in self.sealed for tx in b.txs)
        out = []
        for _, log in self.system.chain.logs(self.system.rollup, "Deposited"):
            position, index, amount, ax, ay, _ = log.args
            if position >= served:
                out.append(Tx("deposit", {"to": index, "amount": amount, "ax": ax, "ay": ay}))
        return out

    def queued_exits(self) -> list[tuple[int, int]]:
        """``(request, account)`` of the L1 forced withdrawal requests that no verified or
        sealed batch serves yet, in queue order."""
        chain, rollup = self.system.chain, self.system.rollup
        sealed = {tx.fields["request"] for b in self.sealed for tx in b.txs if tx.tx_type.l1 == "full_exit"}
        _, served = chain.view(rollup, "forced_withdrawals")
        out = []
        for _, log in chain.logs(rollup, "WithdrawalForced"):
            position, index = log.args[0], log.args[1]
            if position >= served and position not in sealed and not chain.view(rollup, "forced_request", position)[1]:
                out.append((position, index))
        return out

    def seal(self, serve_deposits: bool = True, serve_exits: bool = True) -> Optional[Batch]:
        """Cut the next batch from the queue and the mempool (None when both are empty), for the
        newest version L1 accepts; transactions of types that version does not take wait. The
        L1 deposit queue goes first, then the forced withdrawals (a full exit each, when the
        version takes ``full_exit``), then the mempool."""
        version = self.version
        spec = self.circuits[version].spec
        old_root, txs, slots, free, charges = self.head.root, [], [], spec.slots, []
        exits = self.queued_exits() if serve_exits and get("full_exit") in spec.types else []

        def queue() -> Iterator[Tx]:  # lazy: a full exit moves the balance the earlier ones left
            yield from self.queued_deposits() if serve_deposits else []
            for request, index in exits:
                yield Tx("full_exit", {"account": index, "amount": self.head.get(index).balance, "request": request})
        for tx in queue():
            if not free:
                break  # the queues are served in order (a deposit or a full exit takes one slot)
            slots.append(apply_tx(self.head, tx, check_signatures=False))
            txs.append(tx)
            free -= 1
        ordered, arrived = self.ordered, len(txs)
        waiting = sorted(self.mempool, key=(lambda item: item[0]) if ordered else (lambda item: (-fee_of(item[1]), item[0])))
        progress = True
        while progress and free:
            progress = False
            for item in list(waiting):
                tx, charge = item[1], None
                # it waits for a version that takes it, or for a batch with room for it
                waits = tx.tx_type not in spec.types or tx.tx_type.n_slots > free
                if not waits:
                    try:
                        charge = self._charge(tx)
                    except TxRejected:
                        waits = True  # its fee no longer covers this batch's base fee
                if not waits:
                    try:
                        slots.append(apply_tx(self.head, tx))
                        txs.append(tx)
                        free -= tx.tx_type.n_slots
                        charges += [charge] if charge else []
                    except NonceAhead:
                        waits = True  # its turn has not come
                    except TxRejected as exc:
                        self.rejected[tx.key()] = str(exc)
                if waits:
                    if ordered:
                        break  # first come first served: nothing overtakes it
                    continue
                waiting.remove(item)
                progress = True
        if not txs:
            return None
        head = None
        if ordered:
            start = self.sealed[-1].head if self.sealed and self.sealed[-1].head is not None else \
                self.system.chain.view(self.system.rollup, "stream", self.system.operator.address)[1]
            chain = chain_over(start, [keccak256(tx.encode()) for tx in txs[arrived:]])
            head = chain[-1] if chain else start
        for tx in spec.pad(txs)[len(txs):]:
            slots.append(apply_tx(self.head, tx))
            txs.append(tx)
        batch = Batch(self.node.batches + len(self.sealed), txs, old_root, self.head.root, slots, version=version,
                      charges=charges, head=head, delta=self._delta(slots))
        if self.fees is not None:
            self.fees.end_block(sum(tx_gas(tx) for tx in txs if tx.type != "noop"))
        included = {tx.key() for tx in txs}
        self.mempool = [(s, t) for s, t in self.mempool if t.key() not in included and t.key() not in self.rejected]
        with self.store.batch():  # the base fee moved with the batch: both or neither survive a crash
            self.store.put(f"batch/{batch.number:08d}", batch.to_json())
            self._save_mempool()
            self._save_fees()
        self.sealed.append(batch)
        return batch

    # -- aggregator ---------------------------------------------------------------------------------
    def prove(self, batch: Batch) -> tuple[list[int], BatchStats]:
        """The witness and a Groth16 proof of ``batch`` on the C core, timed. The proof comes as
        the 8 words the contract takes; :func:`~prozchain.prover.solidity.proof_from_words` turns
        them back into a :class:`~prozchain.prover.groth16.keys.Proof`."""
        if self.farm is not None:
            return next(self.prove_on_farm([batch], self.farm))
        return self._prove_witness(batch, *self._witness(batch))

    def _witness(self, batch: Batch) -> tuple[np.ndarray, float]:
        start = time.perf_counter()
        witness = self.circuits[batch.version].compiled.solve_array(self._inputs(batch))
        return witness, time.perf_counter() - start

    def _inputs(self, batch: Batch) -> dict[str, Any]:
        """The solver's inputs for ``batch``: the slots sealing made (state before each
        transaction and its Merkle paths) from the batch's old root to its new root."""
        return self.circuits[batch.version].spec.inputs(batch.old_root, batch.new_root, batch.slots)

    def _prove_witness(self, batch: Batch, witness: np.ndarray, witness_s: float) -> tuple[list[int], BatchStats]:
        start = time.perf_counter()
        circuit = self.circuits[batch.version]
        proof, batch.public = prove(circuit.zkey, witness, backend=get_backend("c"), rng=self.blinding)
        return proof_words(proof), self._stats(batch, witness_s, time.perf_counter() - start)

    def _stats(self, batch: Batch, witness_s: float, prove_s: float, inputs_s: float = 0.0) -> BatchStats:
        constraints = self.circuits[batch.version].compiled.r1cs.n_constraints
        return BatchStats(batch.number, batch.n_txs, constraints, witness_s, prove_s, len(batch.data),
                          inputs_s=inputs_s)

    def prove_overlapped(self, batches: list[Batch]) -> list[tuple[list[int], BatchStats]]:
        """Prove sealed ``batches`` in order, solving each next witness (Python, this thread)
        while the C prover, which releases the GIL, proves the previous one in a worker thread."""
        out, pending = [], None
        with ThreadPoolExecutor(max_workers=1) as pool:
            for batch in batches:
                witness, witness_s = self._witness(batch)
                if pending is not None:
                    out.append(pending.result())
                pending = pool.submit(self._prove_witness, batch, witness, witness_s)
            if pending is not None:
                out.append(pending.result())
        return out

    def prove_on_farm(self, batches: Iterable[Batch], farm: "Farm") -> Iterator[tuple[list[int], BatchStats]]:
        """Prove sealed ``batches`` on ``farm``. Sealing applied them to the state in order, so
        each batch's solver inputs (its slots: accounts before and Merkle paths, from its old to
        its new root) are made here and sent at once; the workers solve the witnesses and prove
        in parallel (the compiled circuit goes to each worker once). Each proof is verified by
        the farm against the public inputs made here (old root, new root, data hash), and the
        proofs come out in batch order, each as soon as it and those before it are done (between
        two sends, if ready: the caller submits while later batches are still proving).
        ``stats.witness_s`` and ``stats.prove_s`` are the worker's times, ``stats.inputs_s``
        this thread's. ``batches`` may be a generator that seals each batch when it is asked
        for: sealing then interleaves with the caller's submissions."""
        jobs: deque = deque()

        def finish() -> tuple[list[int], BatchStats]:
            batch, inputs_s, job = jobs.popleft()
            done = farm.result(job)
            batch.public = done.public
            return proof_words(done.proof), self._stats(batch, done.witness_s, done.seconds, inputs_s)

        for batch in batches:
            start = time.perf_counter()
            circuit, inputs = self.circuits[batch.version], self._inputs(batch)
            public = [inputs[s.name] for s in circuit.compiled.signals if s.kind == PUBLIC]
            seed = self.blinding.getrandbits(64) if self.blinding is not None else None
            job = farm.submit_inputs(circuit.zkey, circuit.compiled, inputs, public, seed)
            jobs.append((batch, time.perf_counter() - start, job))
            while jobs and jobs[0][2].done():
                yield finish()
        while jobs:
            yield finish()

    def submit(self, batch: Batch, proof: list[int], stats: Optional[BatchStats] = None) -> Receipt:
        """Post ``batch`` with ``proof`` to the rollup contract; on success it leaves ``sealed``."""
        chain, op = self.system.chain, self.system.operator
        ordering = () if batch.head is None else (batch.head,)
        receipt = chain.transact(op, self.system.rollup, "submit_ordered_batch" if ordering else "submit_batch",
                                 batch.version, batch.old_root, batch.new_root, batch.data, proof, *ordering,
                                 gas_limit=3_000_000)
        if receipt.status:
            self.node.sync(None if batch.delta is None else OwnBatch(batch.number, batch.data, batch.slots, batch.delta))
            self.sealed = [b for b in self.sealed if b.number != batch.number]
            if stats is not None:
                stats.submit_gas = receipt.gas_used
                stats.verify_gas = self.verify_gas(batch, proof)
                self.stats.append(stats)
        return receipt

    def verify_gas(self, batch: Batch, proof: list[int]) -> int:
        """Execution gas of the verifier contract alone on this proof (a separate measuring call)."""
        chain, op = self.system.chain, self.system.operator
        verifier = chain.view(self.system.rollup, "version", batch.version).verifier
        data = chain.calldata(verifier, "verify", (batch.public, proof))
        receipt = chain.transact(op, verifier, "verify", batch.public, proof, gas_limit=1_000_000)
        return receipt.gas_used - G.intrinsic_gas(data, False)

    def run_batch(self) -> Optional[tuple[Batch, Receipt, Proof]]:
        """Seal, prove and submit one batch: the batch, L1's receipt and the proof (None when
        there is nothing to batch)."""
        batch = self.seal()
        if batch is None:
            return None
        words, stats = self.prove(batch)
        return batch, self.submit(batch, words, stats), proof_from_words(words)


# -- on the harness --------------------------------------------------------------------------------
L1_GAS = 3_000_000
PROGRESS = (REJECTED, PENDING, INCLUDED)  # a transaction's status only moves forward


class OperatorAgent(Agent):
    def __init__(self, name: str, sim: Any, system: System, compiled: CompiledCircuit, zkey: ZKey,
                 poll_ms: int = 12_000, prove_ms: int = 8_000, durable: bool = True,
                 censor_from: Optional[int] = None, on_proving: Optional[Callable[[Batch], None]] = None,
                 censors: Optional[Callable[[Tx], bool]] = None):
        super().__init__(name, sim, durable)
        self.system, self.compiled, self.zkey = system, compiled, zkey
        self.poll_ms, self.prove_ms, self.censor_from, self.on_proving = poll_ms, prove_ms, censor_from, on_proving
        self.censors = censors  # the transactions it drops unanswered

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
            # an operator that censors someone does not serve the forced exits either
            batch = self.pipeline.sealed[0] if self.pipeline.sealed else self.pipeline.seal(
                serve_exits=self.censors is None)
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
            if self.censors is None or not self.censors(tx):
                self.send(src, {"ack": tx.key(), "status": self.pipeline.receive(tx)})


class Wallet(Agent):
    """Acts for ``users`` (L1 keys; their L2 accounts are the ones their deposits opened);
    ``exodus`` turns the watcher on. ``leave_on_upgrade``: the users distrust any verifier
    version announced on L1 and leave before it applies: a user queues a 1-unit deposit, which
    the operator must serve before the deadline or let the rollup be frozen (then everyone
    exits, and the deposit is refunded)."""

    def __init__(self, name: str, sim: Any, system: System, users: list[Key], operator: str,
                 poll_ms: int = 12_000, exodus: bool = True, leave_on_upgrade: bool = False,
                 force_after_ms: Optional[int] = None):
        super().__init__(name, sim, durable=True)
        self.system, self.operator, self.poll_ms, self.exodus = system, operator, poll_ms, exodus
        self.leave_on_upgrade, self.force_after_ms = leave_on_upgrade, force_after_ms
        self.first_sent: dict[str, int] = {}  # when each transaction was first sent (ms)
        self.forced_accounts: set[int] = set()  # accounts whose withdrawal was forced on L1
        self.forced: set[int] = set()  # versions whose announcement made a user queue a request
        self.keys = {k.address: k for k in users}  # an address costs a curve multiplication: once
        self.status: dict[str, TxStatus] = {}
        self.outbox: dict[str, Tx] = {}

    def on_start(self) -> None:
        self.node = ZkNode(self.system.chain, self.system.rollup, self.system.depth)
        self.replays = True
        self.timer(self.poll_ms, "poll", self._poll)

    def send_l2(self, tx: Tx) -> None:
        self.outbox[tx.key()] = tx
        self.first_sent.setdefault(tx.key(), self.sim.scheduler.now)
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
        state = chain.view(rollup, "state")
        self._reconcile()
        for _, log in chain.logs(rollup, "Credited"):
            entry, to, _ = log.args
            if to in self.keys and to not in busy and not chain.view(rollup, "claimed", entry):
                self.l1(self.keys[to], "claim", entry)
                busy.add(to)
        if self.force_after_ms is not None and not state.frozen:
            self._force_withdrawals(busy)
        if self.exodus and not state.frozen and chain.view(rollup, "overdue"):
            anyone = next(iter(self.keys))
            if anyone not in busy:
                self.l1(self.keys[anyone], "freeze")
                self.log("freezing the rollup: a queued request is overdue")
        if self.leave_on_upgrade and not state.frozen:
            self._leave_before_upgrades(busy)
        if state.frozen and self.replays:
            self._exodus(busy)
        self.timer(self.poll_ms, "poll", self._poll)

    def _force_withdrawals(self, busy: set) -> None:
        """Ask L1 for each withdrawal the operator has left out for ``force_after_ms``."""
        chain, rollup = self.system.chain, self.system.rollup
        owners = {log.args[1]: log.args[5] for _, log in chain.logs(rollup, "Deposited")}
        for key, tx in self.outbox.items():
            index = tx.fields.get("from")
            status = self.status.get(key)
            if tx.type != "withdraw" or index in self.forced_accounts or (status and status.state == INCLUDED) \
                    or self.sim.scheduler.now < self.first_sent[key] + self.force_after_ms:
                continue
            owner = owners.get(index)
            if owner in self.keys and owner not in busy:
                self.l1(self.keys[owner], "request_withdrawal", index)
                busy.add(owner)
                self.forced_accounts.add(index)
                self.log(f"withdrawal from account {index} left out: forced on L1")

    def _leave_before_upgrades(self, busy: set) -> None:
        chain, rollup = self.system.chain, self.system.rollup
        for pending in chain.view(rollup, "pending"):
            if pending.change != "activation" or pending.version in self.forced:
                continue
            opened = [log.args for _, log in chain.logs(rollup, "Deposited") if log.args[5] in self.keys]
            ready = [args for args in opened if args[5] not in busy]
            if ready:
                *_, ax, ay, sender = ready[0]
                chain.submit(chain.build(self.keys[sender], rollup, "deposit", ax, ay, value=UNIT, gas_limit=L1_GAS))
                busy.add(sender)
                self.forced.add(pending.version)
                self.log(f"version {pending.version} applies at t={pending.at}: queued a request to force an exit")

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
        served = chain.view(rollup, "state").served
        for _, log in chain.logs(rollup, "Deposited"):
            position, sender = log.args[0], log.args[5]
            if position >= served and sender in self.keys and sender not in busy \
                    and not chain.view(rollup, "refunded", position):
                self.l1(self.keys[sender], "refund", position)
                busy.add(sender)
