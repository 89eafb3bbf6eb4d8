"""An L2 node that rebuilds the rollup from L1 data alone: batches from the portal's calldata
or blobs, deposits from its events, every batch replayed on the VM.

>>> from prozchain.rollup.optimistic.system import demo_system
>>> system = demo_system()
>>> node = L2Node(system.chain, system.portal, system.genesis)
>>> node.sync(), len(node.batches)
(0, 0)
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import numpy as np

from prozchain.circuits.circuit import CompiledCircuit
from prozchain.circuits.gadgets.uint256 import LIMBS
from prozchain.native import get_backend
from prozchain.native.kernels import ints_to_array
from prozchain.prover.formats.zkey import ZKey
from prozchain.prover.groth16.prover import prove
from prozchain.prover.solidity import proof_words
from prozchain.rollup.l1 import Chain
from prozchain.rollup.optimistic.errors import DerivationError
from prozchain.rollup.vm import Deposit, Executor, Trace, inbox_roots
from prozchain.rollup.vm.codec import unpack_batch
from prozchain.rollup.vm.errors import DecodeError
from prozchain.rollup.vm.circuit import segment_inputs, start_inputs
from prozchain.rollup.vm.merkle import KECCAK, Commitment, Proof, keccak, list_proof
from prozchain.rollup.vm.state import IDLE, addr_int, withdrawal_commitment, withdrawal_count_key, withdrawal_key


@dataclass
class Genesis:
    """The L2's state at genesis: balances, contract code, contract storage."""

    balances: Mapping[str, int] = field(default_factory=dict)
    code: Mapping[str, Sequence[int]] = field(default_factory=dict)
    storage: Mapping[tuple[str, int], int] = field(default_factory=dict)

    def world(self, ex: Executor) -> bytes:
        return ex.genesis(self.balances, self.code, self.storage)


@dataclass
class Batch:
    """One derived batch: its inputs and the full trace of its execution."""

    number: int
    deposits: list[Deposit]
    txs: list[bytes]
    trace: Trace

    @property
    def applied(self) -> list[int]:
        """Indices of the transactions that were applied (not skipped as invalid)."""
        n_dep, out = self.trace.contexts[0].n_dep, []
        for before, after in zip(self.trace.contexts, self.trace.contexts[1:]):
            if before.phase == IDLE and after.phase != IDLE and before.next_item >= n_dep:
                out.append(before.next_item - n_dep)
        return out


def prove_words(zkey: ZKey, witness: np.ndarray, rng: Optional[random.Random] = None) -> list[int]:
    """A Groth16 proof of ``witness`` under ``zkey`` as the verifier contract's words (``rng``
    draws the blinding: a seeded one makes the proof, and so its calldata gas, reproducible)."""
    proof, _ = prove(zkey, witness, backend=get_backend("c"), rng=rng)
    return proof_words(proof)


class L2Node:
    def __init__(self, chain: Chain, portal: str, genesis: Genesis, scheme: Commitment = KECCAK) -> None:
        self.chain, self.portal = chain, portal
        self.ex = Executor(scheme)
        self.genesis_world = genesis.world(self.ex)
        self.batches: list[Batch] = []
        self.deposits: dict[int, Deposit] = {}
        self._scanned = 0

    def sync(self) -> int:
        """Derive the batches posted since the last call; returns how many."""
        new = []
        for _, log in self.chain.logs(self.portal, from_block=self._scanned):
            if log.name == "Deposited":
                self.deposits[log.args[0]] = Deposit(*log.args)
            elif log.name == "BatchPosted":
                new.append(log.args)
        self._scanned = len(self.chain.blocks)
        for args in new:
            self.batches.append(self._derive(*args))
        return len(new)

    def _derive(self, number: int, dep_start: int, n_dep: int, txs_root: bytes, n_txs: int,
                data_hash: bytes, data: bytes) -> Batch:
        if number != len(self.batches):
            raise DerivationError(f"batch {number} derived out of order")
        payload = data or self.chain.blobs.get(data_hash)
        if payload is None:
            raise DerivationError(f"batch {number}: blob {data_hash.hex()} is not available")
        try:
            txs = unpack_batch(payload)
        except DecodeError as exc:
            raise DerivationError(f"batch {number}: {exc}") from exc
        deposits = [self.deposits[i] for i in range(dep_start, dep_start + n_dep)]
        if inbox_roots(deposits, txs)[1] != txs_root or len(txs) != n_txs:
            raise DerivationError(f"batch {number}: posted transaction root does not match its data")
        world = self.batches[-1].trace.final.world if self.batches else self.genesis_world
        trace = self.ex.run(self.ex.start(world, number, deposits, txs))
        return Batch(number, deposits, txs, trace)

    def world(self, batch: int) -> bytes:
        return self.batches[batch].trace.final.world

    def included(self) -> set[bytes]:
        """Raw transactions in every derived batch (applied or skipped)."""
        return {tx for b in self.batches for tx in b.txs}

    def withdrawal_index(self, batch: int, recipient: str, amount: int, taken: set[int]) -> int:
        """The first withdrawal record ``(recipient, amount)`` in ``batch``'s world not in
        ``taken``; -1 if none."""
        world = self.world(batch)
        scheme = self.ex.scheme
        wanted = withdrawal_commitment(addr_int(recipient), amount, scheme)
        for i in range(self.ex.db.get(world, withdrawal_count_key(scheme))):
            if i not in taken and self.ex.db.get(world, withdrawal_key(i, scheme)) == wanted:
                return i
        return -1

    def segment_witness(self, batch: int, lo: int, steps: int, circuit: CompiledCircuit) -> tuple[bytes, np.ndarray]:
        """The root ``steps`` steps after step ``lo`` of ``batch`` and the witness of
        :class:`prozchain.rollup.vm.circuit.Segment` (compiled as ``circuit``) proving it;
        ValueError if a step is not covered or the steps do not fit the segment's slots."""
        k = len(circuit.signal("instr").wires) // LIMBS
        inputs = segment_inputs(self.ex, self.batches[batch].trace.context(lo), k, steps=steps)
        return inputs["post_root"].to_bytes(32, "big"), ints_to_array(circuit.solve(inputs))

    def segment_proof(self, batch: int, lo: int, steps: int, circuit: CompiledCircuit,
                      zkey: ZKey) -> tuple[bytes, list[int]]:
        """:meth:`segment_witness`'s root and a Groth16 proof of it (``zkey``: the key of
        ``circuit``), as :meth:`Outputs.prove_segment` takes them."""
        post, witness = self.segment_witness(batch, lo, steps, circuit)
        return post, prove_words(zkey, witness)

    def start_witness(self, batch: int, lo: int, circuit: CompiledCircuit) -> tuple[bytes, np.ndarray]:
        """The root after step ``lo`` of ``batch``, which begins an inbox item, and the witness of
        the circuit proving it (:func:`prozchain.rollup.vm.circuit.start_inputs`: ``TxStart`` or
        ``DepositStart``, compiled as ``circuit``); ValueError if it does not cover that step."""
        _, inputs = start_inputs(self.ex, self.batches[batch].trace.context(lo))
        return inputs["post_root"].to_bytes(32, "big"), ints_to_array(circuit.solve(inputs))

    def inbox_item(self, batch: int, lo: int) -> tuple[bytes, int, list[bytes]]:
        """The raw item (deposit or transaction) step ``lo`` of ``batch`` begins, its index in
        the batch's deposits or transactions and its path in their inbox tree: what
        :meth:`Outputs.prove_txstart` and :meth:`Outputs.prove_deposit_start` open."""
        ctx, b = self.batches[batch].trace.context(lo), self.batches[batch]
        items, index = ([d.encode() for d in b.deposits], ctx.next_item) if ctx.next_item < ctx.n_dep \
            else (b.txs, ctx.next_item - ctx.n_dep)
        return items[index], index, list(list_proof([keccak(t) for t in items], index))

    def start_proof(self, batch: int, lo: int, circuit: CompiledCircuit, zkey: ZKey) -> tuple[bytes, list[int]]:
        """:meth:`start_witness`'s root and a Groth16 proof of it (``zkey``: the key of ``circuit``)."""
        post, witness = self.start_witness(batch, lo, circuit)
        return post, prove_words(zkey, witness)

    def withdrawal_proof(self, batch: int, index: int) -> Proof:
        return self.ex.db.prove(self.world(batch), withdrawal_key(index, self.ex.scheme))
