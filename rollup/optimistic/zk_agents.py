"""Agents of a deployment whose games end at a proven segment (``Config(segment=K)``, K > 1).

- :class:`ProvesSegments` makes an honest agent prove a game's last range: once the range is
  at most K steps and the circuit covers each of them, it runs our Groth16 prover on
  :class:`prozchain.rollup.vm.circuit.Segment` and sends ``prove_segment``; on a deployment
  that proves the starts of inbox items (``System.proves_starts``), a one-step range beginning a
  transaction (a deposit) is proven with :class:`prozchain.rollup.vm.circuit.TxStart`
  (:class:`~prozchain.rollup.vm.circuit.DepositStart`) and sent with ``prove_txstart``
  (``prove_deposit_start``), the raw item and its inbox path beside the proof. Proving takes
  simulated time in two stages, the witness then the proof (the real computation happens
  when a stage's time is over), and each finished stage is written to the agent's store
  *before* it is used: an agent that crashes keeps its finished stages if its store is
  durable (SQLite), and starts the proof over if not. :class:`ProvingProposer` and
  :class:`ProvingChallenger` are the honest proposer and challenger with it.
- :class:`SegmentLiar` proposes an output whose execution goes wrong *inside a contract's
  run*: one step's claimed post-state moves a user's L2 ether to the liar, and every later
  root follows from there. In the game it bisects with its own roots and, at the last range,
  sends ``prove_segment`` with its wrong root and no valid proof (the unverified claim a
  verifier that checks nothing would accept).
- :class:`SteeringGriefer` disputes one correct output and steers the bisection into a
  contract's run (or, ``target="start"``, to a transaction's start, ``"deposit"`` to a
  deposit's), so the honest proposer must prove a segment (a start) or lose on its clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Optional

import numpy as np

from prozchain.circuits.circuit import CompiledCircuit
from prozchain.prover.formats.zkey import ZKey
from prozchain.rollup.common.keys import proving_key
from prozchain.rollup.optimistic.agents import Challenger, Proposer, RollupAgent, _finalize_due
from prozchain.rollup.optimistic.contracts.outputs import Game, split_points
from prozchain.rollup.optimistic.node import prove_words
from prozchain.rollup.vm import Executor, Trace
from prozchain.rollup.vm.circuit import DepositStart, Segment, TxStart, fits, start_kind
from prozchain.rollup.vm.state import IDLE, RUN, balance_key, state_root

# A proof of any statement fails the pairing check: A and C the generator, B the point at infinity.
NO_PROOF = [1, 2, 0, 0, 0, 0, 1, 2]
SEGMENT16_S = {"witness_s": 2.4, "prove_s": 13.7}
"""Seconds the witness and the proof of ``Segment(16)`` (1,194,160 constraints) took on this
machine: ``PROZ_SEGMENT_PROVE_K=16 python -m pytest bench/test_bench_segment.py --benchmark-only``,
issue 24's note and docs/optimistic-rollup.md. What a :class:`SegmentProver` takes by default."""


@lru_cache(maxsize=None)
def segment_circuit(k: int) -> tuple[CompiledCircuit, ZKey]:
    """``Segment(k)`` compiled and its development proving key (set up once per machine,
    then read from :func:`prozchain.rollup.common.keys.key_dir`)."""
    circuit = Segment(k).compile()
    return circuit, proving_key(circuit)


START_METHODS = {"txstart": "prove_txstart", "depstart": "prove_deposit_start"}
"""The circuits proving an inbox item's start (see :func:`prozchain.rollup.vm.circuit.start_inputs`)
and the L1 method each proof is sent with."""


@lru_cache(maxsize=None)
def start_circuit(kind: str) -> tuple[CompiledCircuit, ZKey]:
    """``TxStart()`` (``kind`` ``txstart``) or ``DepositStart()`` (``depstart``) compiled and its
    development proving key, as :func:`segment_circuit`."""
    circuit = (TxStart if kind == "txstart" else DepositStart)().compile()
    return circuit, proving_key(circuit)


@dataclass(frozen=True)
class SegmentProver:
    """What an agent proves segments with: ``Segment(k)`` and its key, and the simulated
    seconds its witness and its proof take (by default :data:`SEGMENT16_S`; an inbox item's
    start, ``TxStart`` or ``DepositStart``, is taken to last as long)."""

    k: int
    witness_s: float = SEGMENT16_S["witness_s"]
    prove_s: float = SEGMENT16_S["prove_s"]

    def keys(self, kind: str = "segment") -> tuple[CompiledCircuit, ZKey]:
        """The circuit and key of ``kind``: ``segment`` or one of :data:`START_METHODS`."""
        return segment_circuit(self.k) if kind == "segment" else start_circuit(kind)


def segment_end(ex: Executor, trace: Trace, game: Game, k: int) -> bool:
    """Whether ``game``'s range is one a proof of ``Segment(k)`` ends: at most ``k`` steps, each
    covered by the circuit, in its ``k`` slots (a range that is not is bisected down to one step)."""
    return 1 < k and game.hi - game.lo <= k and fits(ex, [trace.context(i) for i in range(game.lo, game.hi)], k)


def final_range(length: int, step: int, arity: int, k: int) -> tuple[int, int]:
    """The range a game on ``length`` steps ends at when every choice is the part holding
    ``step`` and the bisection stops at ``k`` steps (the covered case).

    >>> final_range(21, 7, 4, 2)
    (7, 8)
    >>> final_range(21, 8, 4, 2)
    (8, 10)
    """
    lo, hi = 0, length
    while hi - lo > k:
        points = split_points(lo, hi, arity)
        part = next(i for i in range(len(points) - 1) if points[i + 1] > step)
        lo, hi = points[part], points[part + 1]
    return lo, hi


def lie_step(ex: Executor, trace: Trace, arity: int, k: int) -> Optional[int]:
    """The first step inside a contract's run whose game, steered to it, ends at a range of more
    than one step (so on the defender's turn) that ``Segment(k)`` covers; None if none does."""
    for step in (i for i in range(len(trace)) if trace.contexts[i].phase == RUN):
        lo, hi = final_range(len(trace), step, arity, k)
        if hi - lo > 1 and fits(ex, [trace.context(i) for i in range(lo, hi)], k):
            return step
    return None


def start_step(ex: Executor, trace: Trace, kind: str = "txstart") -> Optional[int]:
    """The first step of ``trace`` that begins an inbox item ``kind`` (``txstart``: a
    transaction; ``depstart``: a deposit) covers; None if none does."""
    return next((i for i, ctx in enumerate(trace.contexts[:-1])
                 if ctx.phase == IDLE and start_kind(ex, ctx) == kind), None)


class ProvesSegments(RollupAgent):
    """An honest agent that ends its games at the last range with a proof (see the module).
    ``on_proved(agent, gid)`` is called when a proof is in the store and not yet sent (the
    fault injector's moment)."""

    def __init__(self, *args: Any, prover: SegmentProver, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prover = prover
        self.on_proved: Optional[Callable[["ProvesSegments", int], None]] = None

    def on_start(self) -> None:
        super().on_start()
        # When the current stage began: lost in a crash, so an interrupted stage starts over.
        self._stage_since: dict[int, int] = {}
        self._starts: dict[tuple[int, int], Optional[str]] = {}  # (batch, step): the start circuit covering it

    def _ending(self, batch: int, game: Game) -> Optional[str]:
        """What proof ends ``game`` now: ``segment``, one of :data:`START_METHODS` or None
        (bisect or re-execute)."""
        trace, k = self.node.batches[batch].trace, self.system.config.segment
        if segment_end(self.node.ex, trace, game, k):
            return "segment"
        if not (self.system.proves_starts and 1 < k and game.hi - game.lo == 1):
            return None
        if (batch, game.lo) not in self._starts:
            ctx = trace.context(game.lo)
            self._starts[batch, game.lo] = start_kind(self.node.ex, ctx) if ctx.phase == IDLE else None
        return self._starts[batch, game.lo]

    def segment_move(self, gid: int, game: Game) -> Optional[bool]:
        batch = self.outputs("proposal", game.pid).batch
        kind = self._ending(batch, game)
        if kind is None:
            return None
        job = self.store.get(f"{kind}/{gid}") or {}
        if "proof" in job:
            post = bytes.fromhex(job["post"])
            if kind == "segment":
                self.submit(self.system.outputs, "prove_segment", gid, post, job["proof"])
            else:
                self.submit(self.system.outputs, START_METHODS[kind], gid, post,
                            *self.node.inbox_item(batch, game.lo), job["proof"])
            return True
        now = self.sim.scheduler.now
        since = self._stage_since.setdefault(gid, now)
        stage_s = self.prover.prove_s if "witness" in job else self.prover.witness_s
        if now - since < 1_000 * stage_s:
            return False
        circuit, zkey = self.prover.keys(kind)
        if "witness" not in job:
            post, witness = self.node.segment_witness(batch, game.lo, game.hi - game.lo, circuit) \
                if kind == "segment" else self.node.start_witness(batch, game.lo, circuit)
            job = {"post": post.hex(), "witness": witness.tobytes().hex()}
            self.log(f"game {gid}: {kind} witness of steps {game.lo}..{game.hi} stored")
        else:
            witness = np.frombuffer(bytes.fromhex(job["witness"]), dtype=np.uint64).reshape(-1, 4)
            rng = random.Random(f"{self.sim.scheduler.seed}/{self.name}/{gid}")  # reproducible blinding
            job["proof"] = prove_words(zkey, witness, rng)
            self.log(f"game {gid}: {kind} proof of steps {game.lo}..{game.hi} stored")
        self.store.put(f"{kind}/{gid}", job)
        self._stage_since[gid] = now
        if "proof" in job and self.on_proved is not None:
            self.on_proved(self, gid)
        return False


class ProvingProposer(ProvesSegments, Proposer):
    """The honest proposer, defending its outputs with segment proofs."""


class ProvingChallenger(ProvesSegments, Challenger):
    """The honest challenger, ending its games with segment proofs."""


class SegmentLiar(Proposer):
    """A proposer whose output for the first batch from ``lie_from`` on with a contract run
    (see :func:`lie_step`) is false: at that step half of the running transaction's sender's
    L2 ether moves to the liar. The lie is kept in the store (``lie``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._claims: dict[int, Trace] = {}

    def tick(self) -> None:
        if self.defend() or _finalize_due(self):
            return
        batch = self.outputs("length")
        if batch >= len(self.node.batches):
            return
        trace, lie = self.claimed_trace(batch), self.store.get("lie")
        if lie is not None and lie["batch"] == batch:
            if lie.get("proposed"):  # it lies once: once caught, it proposes the truth
                trace = self.node.batches[batch].trace
            else:
                self.store.put("lie", {**lie, "proposed": True, "output": state_root(trace.final, trace.scheme).hex()})
        self._propose(batch, trace.final, len(trace))

    def claimed_trace(self, batch: int) -> Trace:
        """The trace this agent claims for ``batch``: the true one, or its lie."""
        if batch not in self._claims:
            trace = self.node.batches[batch].trace
            lie = self.store.get("lie")
            config = self.system.config
            step = lie_step(self.node.ex, trace, config.arity, config.segment) \
                if lie is None and batch >= (self.lie_from or 0) else None
            if lie is not None and lie["batch"] == batch:
                step = lie["step"]
            if step is not None:
                trace, amount, victim = self._lie(trace, step)
                if lie is None:
                    self.store.put("lie", {"batch": batch, "step": step, "victim": hex(victim), "amount": amount})
                    self.log(f"claiming a FALSE step {step} of batch {batch}: {amount} wei of {hex(victim)[:10]}")
            self._claims[batch] = trace
        return self._claims[batch]

    def _lie(self, trace: Trace, step: int) -> tuple[Trace, int, int]:
        """``trace`` with half the running sender's L2 ether moved to the liar after ``step``
        steps; the amount and the sender."""
        ex, wrong = self.node.ex, trace.contexts[step + 1]
        victim, thief = balance_key(wrong.origin, ex.scheme), balance_key(int(self.address, 16), ex.scheme)
        amount = ex.db.get(wrong.world, victim) // 2
        world = ex.db.write(wrong.world, victim, ex.db.get(wrong.world, victim) - amount)
        world = ex.db.write(world, thief, ex.db.get(world, thief) + amount)
        return Trace(trace.contexts[:step + 1] + ex.run(wrong.with_(world=world)).contexts, ex.scheme), amount, wrong.origin

    def claimed_root(self, batch: int, point: int) -> bytes:
        return self.claimed_trace(batch).root(point)

    def segment_move(self, gid: int, game: Game) -> Optional[bool]:
        batch = self.outputs("proposal", game.pid).batch
        if not segment_end(self.node.ex, self.node.batches[batch].trace, game, self.system.config.segment):
            return None
        if self.store.get(f"claimed/{gid}"):
            return False  # it cannot prove its claim: it waits
        self.store.put(f"claimed/{gid}", True)
        self.submit(self.system.outputs, "prove_segment", gid, self.claimed_root(batch, game.hi), NO_PROOF)
        return True


STARTS = {"start": "txstart", "deposit": "depstart"}
"""The start circuit of each of :class:`SteeringGriefer`'s targets but ``run``."""


class SteeringGriefer(Challenger):
    """A griefer that disputes the first correct output with a contract run (see
    :func:`lie_step`), or with ``target="start"`` (``"deposit"``) a transaction's (deposit's)
    start (:func:`start_step`), and chooses, each round, the part holding that step."""

    def __init__(self, *args: Any, target: str = "run", **kwargs: Any) -> None:
        super().__init__(*args, mode="griefer", **kwargs)
        self.target = target
        self._targets: dict[int, Optional[int]] = {}

    def _target(self, batch: int) -> Optional[int]:
        if batch not in self._targets:
            config, trace = self.system.config, self.node.batches[batch].trace
            self._targets[batch] = lie_step(self.node.ex, trace, config.arity, config.segment) \
                if self.target == "run" else start_step(self.node.ex, trace, STARTS[self.target])
        return self._targets[batch]

    def _challenge(self) -> bool:
        if self.store.get("challenged"):
            return False
        for pid, batch, _, _, time in self.events("Proposed"):
            if batch < len(self.node.batches) and self.chain.time < time + self.system.config.window \
                    and self._target(batch) is not None:
                self.store.put("challenged", True)
                self.submit(self.system.outputs, "challenge", pid, value=self.system.config.challenger_bond)
                return True
        return False

    def _part(self, gid: int, pid: int, lo: int, hi: int) -> int:
        points = next(pts for g, pts, _ in reversed(self.events("Bisected")) if g == gid and pts[0] == lo and pts[-1] == hi)
        target = self._target(self.outputs("proposal", pid).batch)
        return next(i for i in range(len(points) - 1) if points[i + 1] > target)
