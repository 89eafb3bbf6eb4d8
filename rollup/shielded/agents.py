"""Off-chain side of the shielded pool: a wallet that scans the pool for its notes and proves its
transactions, and the same wallet as an agent on the harness.

:class:`Wallet` mirrors the note tree from the pool's ``NewCommitment`` events, trial-decrypts
every posted note with its key (keeping those whose commitment it can rebuild), and watches
``NewNullifier`` events for its notes being spent. It builds the three kinds of transaction, each
one join-split proven with Groth16 (:class:`PoolTx`, whose :meth:`PoolTx.args` the pool's
``transact`` takes):

- :meth:`Wallet.deposit`: ``amount`` units enter the pool as a note of its own (two dummy inputs);
- :meth:`Wallet.pay`: a note of ``amount`` to another public key, the change back to itself;
- :meth:`Wallet.withdraw`: ``amount`` units leave the pool into the ZK rollup's public account
  of a Baby Jubjub key, the change stays a note.

A wallet needs only its key to rebuild everything from L1, so its agent (:class:`WalletAgent`)
keeps no state across a restart but how far through its plan it got.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Optional, Sequence

from prozchain.circuits.circuit import CompiledCircuit
from prozchain.circuits.gadgets.babyjub import Point
from prozchain.native import get_backend
from prozchain.native.kernels import ints_to_array
from prozchain.prover.formats.zkey import ZKey
from prozchain.prover.groth16.prover import prove
from prozchain.prover.solidity import proof_words
from prozchain.rollup.l1 import Key
from prozchain.rollup.l1.crypto import keccak256
from prozchain.rollup.shielded.circuit import Spend, dummy_spend, inputs
from prozchain.rollup.shielded.contracts import MAX_AMOUNT, ext_data_hash
from prozchain.rollup.shielded.errors import NotEnoughNotes
from prozchain.rollup.shielded.notes import Note, NoteKey, NoteTree, decrypt, encrypt
from prozchain.rollup.shielded.system import Pool
from prozchain.rollup.sim.agent import Agent
from prozchain.rollup.zk.system import UNIT

GAS_LIMIT = 2_000_000
NO_RECIPIENT: Point = (0, 0)


@dataclass(frozen=True)
class PoolTx:
    """A proven pool transaction: what ``ShieldedPool.transact`` takes, and the wei it pays in."""

    proof: list[int]
    root: int
    public_amount: int
    nullifiers: list[int]
    commitments: list[int]
    recipient: Point
    encrypted: list[int]
    value: int

    def args(self) -> tuple:
        return (self.proof, self.root, self.public_amount, self.nullifiers, self.commitments, *self.recipient,
                self.encrypted)


@dataclass
class Wallet:
    """The notes of ``key`` in ``pool``; ``rng`` draws blindings, ephemeral keys and the proofs'
    blinding (seeded only in simulations, which must replay)."""

    key: NoteKey
    pool: Pool
    compiled: CompiledCircuit
    zkey: ZKey
    rng: random.Random
    tree: NoteTree = field(init=False)
    notes: dict[int, Note] = field(init=False)  # leaf index -> a note of ours
    seen_nullifiers: set[int] = field(init=False)
    pending: set[int] = field(init=False)  # nullifiers of our transactions not yet on L1
    timings: list[tuple[float, float]] = field(init=False)  # (witness s, prove s) of each transaction

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything learnt from L1 (a restart): :meth:`sync` learns it again."""
        self.tree, self.notes, self.seen_nullifiers, self.pending = NoteTree(self.pool.depth), {}, set(), set()
        self.timings = []
        self._next_block = 0

    # -- scanning ------------------------------------------------------------------------------
    def sync(self) -> None:
        """Read the pool's events since the last sync: new leaves (ours decrypted) and nullifiers."""
        chain = self.pool.chain
        for _, log in chain.logs(self.pool.pool, from_block=self._next_block):
            if log.name == "NewCommitment":
                index, commitment, words = log.args
                self.tree.append(commitment)
                note = decrypt(self.key, words, commitment)
                if note is not None:
                    self.notes[index] = note
            elif log.name == "NewNullifier":
                self.seen_nullifiers.add(log.args[0])
                self.pending.discard(log.args[0])
        self._next_block = len(chain.blocks)

    def unspent(self) -> list[Spend]:
        """Our notes not yet spent (nor being spent), largest first."""
        gone = self.seen_nullifiers | self.pending
        spends = [Spend(note, self.key, index) for index, note in self.notes.items() if note.amount]
        return sorted((s for s in spends if s.nullifier not in gone),
                      key=lambda s: (-s.note.amount, s.index))

    @property
    def balance(self) -> int:
        return sum(s.note.amount for s in self.unspent())

    # -- transactions --------------------------------------------------------------------------
    def deposit(self, amount: int) -> PoolTx:
        """``amount`` units into the pool as a note of ours (pay ``PoolTx.value`` with the call)."""
        return self._transact([], [Note.fresh(amount, self.key.public, self.rng)], amount, NO_RECIPIENT)

    def pay(self, amount: int, to: Point) -> PoolTx:
        """A private transfer of ``amount`` units to the owner of public key ``to``."""
        return self._transact(self._cover(amount), [Note.fresh(amount, to, self.rng)], 0, NO_RECIPIENT)

    def withdraw(self, amount: int, rollup_key: Point) -> PoolTx:
        """``amount`` units out of the pool, into the ZK rollup account of ``rollup_key`` (an
        existing one: a new account's L1 owner would be the pool, see docs/shielded.md)."""
        return self._transact(self._cover(amount), [], -amount, rollup_key)

    def _cover(self, amount: int) -> list[Spend]:
        chosen = self.unspent()[:2]
        if not chosen or sum(s.note.amount for s in chosen) < amount:
            raise NotEnoughNotes(f"two notes cover at most {sum(s.note.amount for s in chosen)} units, not {amount}"
                                 f" (balance {self.balance})")
        return chosen[:1] if chosen[0].note.amount >= amount else chosen

    def _transact(self, spends: list[Spend], outputs: list[Note], ext_amount: int, recipient: Point) -> PoolTx:
        spends = spends + [dummy_spend(self.rng) for _ in range(2 - len(spends))]
        change = sum(s.note.amount for s in spends) + ext_amount - sum(n.amount for n in outputs)
        outputs = outputs + [Note.fresh(change, self.key.public, self.rng)]
        outputs += [Note.fresh(0, self.key.public, self.rng) for _ in range(2 - len(outputs))]
        encrypted = [w for note in outputs for w in encrypt(note, self.rng)]
        h = ext_data_hash(*recipient, encrypted, keccak256)
        tx, seconds = prove_tx(self.compiled, self.zkey, inputs(self.tree, spends, outputs, ext_amount, h), recipient,
                               encrypted, self.rng)
        self.timings.append(seconds)
        self.pending |= set(tx.nullifiers)
        return tx


def prove_tx(compiled: CompiledCircuit, zkey: ZKey, circuit_inputs: dict, recipient: Point, encrypted: list[int],
             rng: Optional[random.Random] = None, check: bool = True) -> tuple[PoolTx, tuple[float, float]]:
    """The :class:`PoolTx` of join-split ``circuit_inputs`` (:func:`~prozchain.rollup.shielded.circuit.inputs`)
    and the seconds its witness and its proof took. ``check=False`` proves a witness that breaks the circuit,
    as an attacker would: the proof comes out, and no verifier accepts it."""
    start = time.perf_counter()
    witness = compiled.solve(circuit_inputs, check=check)
    proving = time.perf_counter()
    proof, public = prove(zkey, ints_to_array(witness), backend=get_backend("c"), rng=rng)
    seconds = (proving - start, time.perf_counter() - proving)
    root, amount, _, n0, n1, c0, c1 = public
    value = amount * UNIT if amount < MAX_AMOUNT else 0
    return PoolTx(proof_words(proof), root, amount, [n0, n1], [c0, c1], recipient, encrypted, value), seconds


class WalletAgent(Agent):
    """A :class:`Wallet` on the harness: it syncs every ``poll_ms`` and works through ``plan``, a
    list of ``(not before ms, "deposit", amount)``, ``(ms, "pay", amount, public key)`` and
    ``(ms, "withdraw", amount, rollup key)``, one transaction at a time (a step whose notes have
    not arrived yet waits), sent to L1 from ``l1`` (a relayer would hide who sends; here each
    user pays its own gas). Only its place in the plan survives a restart; ``sent`` is what it
    posted, ``receipts`` what L1 answered."""

    def __init__(self, name: str, sim, wallet: Wallet, l1: Key, plan: Sequence[tuple], poll_ms: int = 12_000) -> None:
        super().__init__(name, sim)
        self.wallet, self.l1, self.plan, self.poll_ms = wallet, l1, list(plan), poll_ms
        self.sent: list[PoolTx] = []
        self.receipts: list = []

    def on_start(self) -> None:
        self.wallet.reset()
        self._in_flight: Optional[bytes] = None
        self.timer(self.poll_ms, "poll", self._poll)

    def _poll(self) -> None:
        self.wallet.sync()
        chain = self.wallet.pool.chain
        if self._in_flight is not None and self._in_flight in chain.receipts:
            receipt = chain.receipts[self._in_flight]
            self.receipts.append(receipt)
            self.log(f"transaction {'ok' if receipt.status else 'FAILED: ' + str(receipt.error)}")
            self.wallet.pending.clear()
            self._in_flight = None
        step = self.store.get("step", 0)
        if self._in_flight is None and step < len(self.plan) and self.sim.scheduler.now >= self.plan[step][0]:
            _, kind, amount, *to = self.plan[step]
            try:
                tx = getattr(self.wallet, kind)(amount, *to)
            except NotEnoughNotes as exc:
                self.log(f"{kind} {amount} waits: {exc}")
            else:
                self.store.put("step", step + 1)
                self.sent.append(tx)
                self._in_flight = chain.submit(chain.build(self.l1, self.wallet.pool.pool, "transact", *tx.args(),
                                                           value=tx.value, gas_limit=GAS_LIMIT))
                self.log(f"{kind} {amount} sent")
        self.timer(self.poll_ms, "poll", self._poll)
