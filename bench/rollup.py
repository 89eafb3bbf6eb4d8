"""``prozchain bench rollup``: the ZK rollup's operator proving on the farm, proven transfers per
second against the number of workers, and a queueing model carried to 4-64 machines.

    prozchain bench rollup --workers 1,2 [--scheduler tcp://host:8786] [--json FILE]

For each worker count a fresh rollup on the reference L1 takes its users' deposits (that batch
proven on the farm too, so the key and the circuit are on every worker and the workers are
warm), its mempool receives ``--batches`` full batches of signed transfers, and then, timed:
the operator seals each batch in order (applying it to the state: roots and Merkle paths), makes
its solver inputs and sends them to the farm, where the workers solve the witnesses and prove
in parallel (:meth:`~prozchain.rollup.zk.agents.Pipeline.prove_on_farm`; every proof verified
on arrival), and submits the batches to L1 in order. Proven transfers per second = transfers /
that wall time. Without ``--scheduler`` each count runs on a local cluster
of that many worker processes (one thread each); with it, on the first that many workers of the
cluster at that address. The load average is printed beside every point: the machine is shared.

**The model.** Three stations in a row: sealing (the operator, in batch order: each batch
starts from the state the one before left), the witness and proof (any free worker, one core
each), and the L1 submission (the operator, in batch order). A batch of T transfers costs the
operator o = a + i + s + v: a (sealing: the state transition), i (the solver's inputs),
s (submission) and v (verifying the returned proof); and a worker q = w + p (witness, proof).
The operator does both of its stations in one thread, so at steady state:

- operator and k workers on one machine of c cores (the measured points):
  T / max(o, q' / k, (o + q) / c), q' = q max(1, (k + o / q) / c) when the operator and the
  workers share the cores;
- the operator on its own machine and M proving machines of c cores, one worker per core:
  T / max(o, q / (c M)).

It is fitted on the fewest-workers point (its medians of w, s, v, p) and checked against every
measured point by replaying the operator's schedule for that many batches (the fill and drain of
a short run included), once with the fitted p and once with the point's own p (which separates
the model's error from the other load on a shared machine). Then it states the rate for 4-64
machines and how many 2-core machines reach 50 proven transfers per second, or that the
operator's serial part caps the rate below it (with the cap if sealing and submission ran in
threads of their own: T / max(a + i, s + v)).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import time
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

from prozchain.cli import UsageError

from prozchain.bench.demo import funded_rollup
from prozchain.bench.prove import machine

TARGET = 50.0  # proven transfers per second users expect
MACHINES = (4, 8, 16, 32, 64)


@dataclass
class Point:
    """One measured run: ``workers`` proving ``batches`` batches of ``transfers`` in all."""

    workers: int
    batches: int
    transfers: int
    wall_s: float
    seal_s: float  # medians per batch from here on; the operator's
    inputs_s: float
    witness_s: float  # a worker's
    prove_s: float
    submit_s: float  # the operator's
    verify_s: float
    l1_gas: int  # per batch submission
    load: tuple[float, float]  # 1-minute load average before and after
    ok: bool

    @property
    def rate(self) -> float:
        return self.transfers / self.wall_s


@dataclass
class Model:
    """The queueing model of the module doc, per batch of ``transfers``."""

    transfers: int
    seal_s: float
    inputs_s: float
    witness_s: float
    prove_s: float
    submit_s: float
    verify_s: float
    cores: int = 2

    @property
    def operator_s(self) -> float:
        """The operator's serial seconds per batch: seal, inputs, submit, verify."""
        return self.seal_s + self.inputs_s + self.submit_s + self.verify_s

    @property
    def job_s(self) -> float:
        """A worker's seconds per batch: witness and proof."""
        return self.witness_s + self.prove_s

    def shared_job_s(self, workers: int) -> float:
        """A job's time when ``workers`` and the operator share this machine's cores."""
        return self.job_s * max(1.0, (workers + self.operator_s / self.job_s) / self.cores)

    def on_one_machine(self, workers: int) -> float:
        """Proven transfers per second with the operator and ``workers`` on one machine.

        >>> Model(4, 0.05, 0.0, 0.1, 1.9, submit_s=0.0, verify_s=0.05).on_one_machine(1)
        2.0
        """
        op = self.operator_s
        return self.transfers / max(op, self.shared_job_s(workers) / workers, (op + self.job_s) / self.cores)

    def replay(self, batches: int, workers: int, job_s: Optional[float] = None) -> float:
        """The wall time of ``batches`` batches as the operator schedules them (seal, make the
        inputs, send the job, submit every proof already back in order; at the end wait for the
        rest), with a job taking ``job_s`` (default: :meth:`shared_job_s`).

        >>> Model(1, 0.5, 0.5, 0.5, 1.5, submit_s=0.5, verify_s=0.0).replay(2, workers=2, job_s=2.0)
        4.5
        """
        p = job_s if job_s is not None else self.shared_job_s(workers)
        free, ends, t = [0.0] * workers, deque(), 0.0
        for _ in range(batches):
            t += self.seal_s + self.inputs_s
            j = min(range(workers), key=free.__getitem__)
            free[j] = max(t, free[j]) + p
            ends.append(free[j])
            while ends and ends[0] <= t:
                ends.popleft()
                t += self.submit_s + self.verify_s
        while ends:
            t = max(t, ends.popleft()) + self.submit_s + self.verify_s
        return t

    def on_machines(self, machines: int) -> float:
        """Proven transfers per second with ``machines`` proving machines beside the operator's.

        >>> Model(4, 0.05, 0.0, 0.1, 1.9, submit_s=0.05, verify_s=0.0).on_machines(4)
        16.0
        """
        return self.transfers / max(self.operator_s, self.job_s / (self.cores * machines))

    def machines_for(self, rate: float) -> Optional[int]:
        """The fewest proving machines that reach ``rate``; None if the operator's serial part
        (sealing, inputs, submission, verification) caps the rate below it.

        >>> Model(4, 0.01, 0.0, 0.1, 1.9, submit_s=0.01, verify_s=0.01).machines_for(50)
        13
        """
        if self.transfers / self.operator_s < rate:
            return None
        return math.ceil(self.job_s * rate / (self.transfers * self.cores))


def worker_counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UsageError(f"--workers {text!r}: give comma-separated worker counts, e.g. 1,2") from None
    if not counts or min(counts) < 1:
        raise UsageError(f"--workers {text!r}: every count must be at least 1")
    return counts


def open_farm(workers: int, scheduler: Optional[str]):
    from prozchain.prover.farm import Farm

    if scheduler is None:
        return Farm(workers=workers)
    try:
        return Farm(scheduler, limit=workers)
    except (OSError, TimeoutError) as exc:
        raise UsageError(f"--scheduler {scheduler}: cannot use the cluster there ({exc})") from None


def measure(workers: int, scheduler: Optional[str], slots: int, depth: int, batches: int, seed: int) -> Point:
    """Seal, prove on the farm and submit ``batches`` batches; see the module doc."""
    from prozchain.prover.groth16.verifier import pairing_equation_holds
    from prozchain.prover.solidity import proof_from_words

    with open_farm(workers, scheduler) as farm:
        if farm.n_workers < workers:
            raise UsageError(f"--scheduler {scheduler}: the cluster has {farm.n_workers} workers, fewer than {workers}")
        pipeline, _, ok = funded_rollup(seed, slots, depth, batches, farm=farm, seal=False)
        sealed, seals = [], []

        def sealing():
            for _ in range(batches):
                t0 = time.perf_counter()
                sealed.append(pipeline.seal())
                seals.append(time.perf_counter() - t0)
                yield sealed[-1]

        before = os.getloadavg()[0]
        started = time.perf_counter()
        stats, submits, gas, last = [], [], [], None
        for words, batch_stats in pipeline.prove_on_farm(sealing(), farm):
            batch = sealed[len(stats)]
            t0 = time.perf_counter()
            receipt = pipeline.submit(batch, words)
            submits.append(time.perf_counter() - t0)
            ok &= bool(receipt.status) and batch.n_txs == slots
            stats.append(batch_stats)
            gas.append(receipt.gas_used)
            last = batch, words
        wall = time.perf_counter() - started
        after = os.getloadavg()[0]
    batch, words = last
    vk = pipeline.circuits[batch.version].zkey.verification_key()
    verify_s = []
    for _ in range(3):
        t0 = time.perf_counter()
        ok &= pairing_equation_holds(vk, batch.public, proof_from_words(words))
        verify_s.append(time.perf_counter() - t0)
    return Point(workers, batches, sum(s.txs for s in stats), wall, statistics.median(seals),
                 statistics.median(s.inputs_s for s in stats), statistics.median(s.witness_s for s in stats),
                 statistics.median(s.prove_s for s in stats), statistics.median(submits), statistics.median(verify_s),
                 int(statistics.median(gas)), (before, after), ok)


def run_rollup(args: argparse.Namespace) -> int:
    counts = worker_counts(args.workers)
    if args.batches < 1 or args.slots < 1 or args.depth < 1:
        raise UsageError("--batches, --slots and --depth must be at least 1")
    print(f"# ZK rollup on the farm: {args.slots}-transfer batches, tree depth {args.depth}, {args.batches} batches "
          f"per point, {'cluster ' + args.scheduler if args.scheduler else 'local cluster'}, {os.cpu_count()} cores here")
    print(f"{'workers':>7}{'transfers/s':>13}{'wall':>8}{'seal':>8}{'inputs':>8}{'witness':>9}{'prove':>8}"
          f"{'submit':>8}{'verify':>8}{'L1 gas':>9}  load before/after  check")
    points = []
    for k in counts:
        p = measure(k, args.scheduler, args.slots, args.depth, args.batches, args.seed)
        points.append(p)
        print(f"{k:>7}{p.rate:>13.2f}{p.wall_s:>7.1f}s{p.seal_s:>7.3f}s{p.inputs_s:>7.3f}s{p.witness_s:>8.3f}s"
              f"{p.prove_s:>7.2f}s{p.submit_s:>7.3f}s"
              f"{p.verify_s:>7.3f}s{p.l1_gas:>9,}  {p.load[0]:>6.2f} / {p.load[1]:<6.2f}   "
              f"{'ok' if p.ok else 'FAILED'}", flush=True)
    base = min(points, key=lambda p: p.workers)
    model = Model(args.slots, base.seal_s, base.inputs_s, base.witness_s, base.prove_s, base.submit_s, base.verify_s,
                  cores=args.cores)
    print(f"\nmodel (fitted on {base.workers} worker{'s' if base.workers > 1 else ''}): operator "
          f"{model.operator_s:.3f} s per batch in order (seal + inputs + submit + verify), a worker "
          f"{model.job_s:.2f} s on one core (witness + proof)")
    checks = []
    for p in points:
        predicted = p.transfers / model.replay(p.batches, p.workers)
        own = p.transfers / model.replay(p.batches, p.workers, p.witness_s + p.prove_s)
        checks.append({"workers": p.workers, "measured": p.rate, "predicted": predicted,
                       "predicted_with_its_job_s": own, "steady_state": model.on_one_machine(p.workers)})
        print(f"  {p.workers} worker(s) on this machine, {p.batches} batches: predicted {predicted:.2f}/s "
              f"(with its own {p.witness_s + p.prove_s:.2f} s jobs {own:.2f}/s), measured {p.rate:.2f}/s "
              f"({p.rate / predicted:.2f}x); steady state {model.on_one_machine(p.workers):.2f}/s")
    rates = [{"machines": m, "transfers_per_s": model.on_machines(m)} for m in MACHINES]
    print(f"  {args.cores}-core proving machines beside the operator's: "
          + ", ".join(f"{r['machines']}: {r['transfers_per_s']:.1f}/s" for r in rates))
    needed = model.machines_for(TARGET)
    cap = args.slots / model.operator_s
    split_cap = args.slots / max(model.seal_s + model.inputs_s, model.submit_s + model.verify_s)
    if needed is None:
        print(f"  {TARGET:.0f} transfers/s: not reached on any number of machines; the operator's serial part caps "
              f"the rate at {cap:.1f}/s ({split_cap:.1f}/s with sealing and submission in threads of their own; "
              f"{math.ceil(model.job_s * TARGET / (args.slots * args.cores))} machines would prove that many)")
    else:
        print(f"  {TARGET:.0f} transfers/s: {needed} {args.cores}-core proving machines (the operator's serial part "
              f"caps the rate at {cap:.1f}/s); L1 then takes {TARGET / args.slots * base.l1_gas:,.0f} gas/s")
    if args.json:
        doc = {"header": {**machine(), "command": "prozchain bench rollup " + " ".join(
                   f"--{k} {v}" for k, v in vars(args).items() if k in ("workers", "scheduler", "batches", "slots",
                                                                        "depth") and v is not None)},
               "points": [{**asdict(p), "transfers_per_s": p.rate} for p in points],
               "model": {**asdict(model), "operator_s": model.operator_s, "job_s": model.job_s, "checks": checks, "machines": rates,
                         "operator_cap_per_s": cap, "split_operator_cap_per_s": split_cap, f"machines_for_{TARGET:.0f}": needed}}
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0 if all(p.ok for p in points) else 1


def register(sub: argparse._SubParsersAction) -> None:
    rollup = sub.add_parser("rollup", help="the ZK rollup proving on a dask farm: proven transfers/s against workers")
    rollup.add_argument("--workers", default="1,2", help="comma-separated worker counts (default 1,2)")
    rollup.add_argument("--scheduler", help="an existing dask scheduler's address (default: a local cluster)")
    rollup.add_argument("--batches", type=int, default=6, help="timed batches per point (default 6)")
    rollup.add_argument("--slots", type=int, default=4, help="transfers per batch (default 4: 65,446 constraints)")
    rollup.add_argument("--depth", type=int, default=8, help="account tree depth (default 8)")
    rollup.add_argument("--cores", type=int, default=2, help="cores per machine in the model (default 2)")
    rollup.add_argument("--seed", type=int, default=1, help="seed of the transfers (default 1)")
    rollup.add_argument("--json", help="write the points and the model to this JSON file")
    rollup.set_defaults(func=run_rollup)
