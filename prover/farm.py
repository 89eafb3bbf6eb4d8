"""A proving farm: Groth16 proof jobs on a ``dask.distributed`` cluster.

:class:`Farm` starts a local cluster (worker processes with one thread each, the C core on one
thread in each: many proofs in parallel beat one proof split across threads at the sizes a farm
proves) or joins an existing one by address (``tcp://host:8786``). Then:

- a key goes to every worker once: it is scattered to all of them under a name made of its
  content hash (:func:`key_digest`), and every later job with that key (or an equal one) refers
  to the copy the workers hold (the farm stops the scheduler's active memory manager, which
  would drop those copies: on a shared cluster that holds for its other clients too);
- a witness travels as its ``(nVars, 4)`` uint64 limb array (32 bytes a value, sent as a raw
  buffer), inside the job, so the scheduler can run the job again elsewhere;
- or the worker solves it: :meth:`Farm.submit_inputs` sends a circuit (anything with a
  ``solve_array(inputs)``, a :class:`Solver`; it goes to every worker once, like a key) and the
  inputs of one statement, so the caller's thread only prepares inputs while the workers solve
  and prove in parallel; the caller states the public signals it expects;
- a worker that dies mid-job has its job run on another worker (the scheduler reschedules the
  jobs of a lost worker; ``retries`` covers jobs that raise); if every worker holding a key or
  circuit died, it is sent again and the job resubmitted, and so is a job limited to workers
  that all died (``limit``);
- every proof is verified here, against the key's verification key and the public signals of
  the witness that was sent (or that the caller expects), before it is handed out
  (:class:`SelfCheckError` otherwise);
- :meth:`Farm.prove` returns the proofs in the order of the witnesses.

>>> from prozchain.prover.groth16 import verify
>>> from prozchain.prover.groth16.setup import dev_setup, toy_r1cs, toy_witness
>>> key = dev_setup(toy_r1cs(), seed=1)
>>> with Farm(workers=1) as farm:
...     [done.public for done in farm.prove(key, [toy_witness(3), toy_witness(4)])]
[[27], [64]]

A circuit solved on the workers, given the public signals its inputs must give (a chain of
two steps, ``y = x (x + 1) + 3x`` for ``x = 3``):

>>> from prozchain.bench.circuit_compile import Chain
>>> from prozchain.prover.groth16.setup import constraint_system
>>> chain = Chain(2).compile()
>>> key = dev_setup(constraint_system(chain.r1cs), seed=1)
>>> with Farm(workers=1) as farm:
...     farm.result(farm.submit_inputs(key, chain, {"x": 3}, public=[21])).public
[21]
"""

from __future__ import annotations

import hashlib
import os
import random
import time
from dataclasses import dataclass
from concurrent.futures import CancelledError
from typing import Any, Callable, Mapping, Optional, Protocol, Sequence

import numpy as np

from prozchain.native.kernels import array_to_ints
from prozchain.prover.errors import SelfCheckError
from prozchain.prover.formats.zkey import ZKey
from prozchain.prover.groth16.keys import Proof
from prozchain.prover.groth16.prover import check_witness, prove
from prozchain.prover.groth16.verifier import pairing_equation_holds

# one C thread per worker process: the farm's parallelism is across proofs
WORKER_ENV = {"PROZ_THREADS": "1", "OMP_NUM_THREADS": "1"}


@dataclass(frozen=True)
class FarmProof:
    """A verified proof from the farm: the public signals, the seconds the worker spent proving,
    and which worker (address and process id) made it."""

    proof: Proof
    public: list[int]
    seconds: float
    worker: str
    pid: int
    witness_s: float = 0.0  # the worker's witness solve, for a job sent as inputs


class Solver(Protocol):
    """What solves a statement's witness on a worker (a compiled circuit is one)."""

    def solve_array(self, inputs: Mapping[str, object]) -> np.ndarray: ...


def key_digest(key: ZKey) -> str:
    """SHA-256 over the key's header points and every bulk section: equal keys, equal digests.

    >>> from prozchain.prover.groth16.setup import dev_setup, toy_r1cs
    >>> key_digest(dev_setup(toy_r1cs(), seed=1)) == key_digest(dev_setup(toy_r1cs(), seed=1))
    True
    """
    h = hashlib.sha256(repr((key.n_vars, key.n_public, key.domain_size, key.alpha1, key.beta1, key.beta2,
                             key.gamma2, key.delta1, key.delta2, key.ic)).encode())
    for part in (key.coefficients, key.a.array, key.b1.array, key.b2.array, key.c.array, key.h.array):
        h.update(np.ascontiguousarray(part).data)
    return h.hexdigest()


def object_digest(obj: object) -> str:
    """SHA-256 of ``obj`` pickled: the name a :class:`Solver` is shared under.

    >>> object_digest([1, 2]) == object_digest([1, 2])
    True
    """
    import cloudpickle  # what dask pickles with: what a worker receives

    return hashlib.sha256(cloudpickle.dumps(obj)).hexdigest()


def prove_job(key: ZKey, witness: np.ndarray, seed: Optional[int],
              witness_s: float = 0.0) -> tuple[Proof, list[int], float, str, int, float]:
    """What a worker runs: one proof (``seed``: replayable blinding, see ``prove``'s ``rng``),
    its proving seconds, the worker's address and process id, and ``witness_s`` passed on."""
    from distributed import get_worker

    start = time.perf_counter()
    proof, public = prove(key, witness, rng=random.Random(seed) if seed is not None else None)
    return proof, public, time.perf_counter() - start, get_worker().address, os.getpid(), witness_s


def solve_prove_job(key: ZKey, solver: Solver, inputs: Mapping[str, object],
                    seed: Optional[int]) -> tuple[Proof, list[int], float, str, int, float]:
    """:func:`prove_job` on the witness ``solver`` solves from ``inputs``, timed."""
    start = time.perf_counter()
    witness = check_witness(key, solver.solve_array(inputs))
    return prove_job(key, witness, seed, time.perf_counter() - start)


class Job:
    """A submitted proof: :meth:`Farm.result` turns it into a verified :class:`FarmProof`.
    ``again`` submits it anew (when the workers holding its key or circuit all died)."""

    def __init__(self, future: Any, key: ZKey, public: list[int], again: Optional[Callable[[], Any]] = None):
        self.future, self.key, self.public, self.again = future, key, public, again

    def done(self) -> bool:
        """Whether the worker has answered (:meth:`Farm.result` then returns at once)."""
        return self.future.done()


WORKER_START_S = 300
LIMIT_WATCH_S = 1.0  # how often a job waiting on a limit of workers checks that one is left


class Farm:
    """Proof jobs on a dask cluster; see the module doc. ``scheduler``: an existing cluster's
    address; without it a local cluster of ``workers`` processes (one thread each) starts, and
    stops on :meth:`close`. ``limit``: use only the first ``limit`` workers of the cluster, and
    only them while one of them is left (then the next ``limit``); :attr:`n_workers` says how
    many there are, fewer than ``limit`` on a smaller cluster."""

    def __init__(self, scheduler: Optional[str] = None, workers: int = 2, limit: Optional[int] = None,
                 retries: int = 2):
        from distributed import Client, LocalCluster

        self.retries = retries
        self.cluster = None
        if scheduler is None:
            self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                        dashboard_address=":0", env=WORKER_ENV, silence_logs=40)
            self.client = Client(self.cluster)
            # a key scattered now reaches them all; each worker imports the package first, which
            # takes minutes on a machine whose cores are busy
            self.client.wait_for_workers(workers, timeout=WORKER_START_S)
        else:
            self.client = Client(scheduler, timeout="10s")
            # a cluster is joined as it is, once it has a worker: waiting for ``limit`` of them
            # would wait WORKER_START_S on one that has fewer (see n_workers)
            self.client.wait_for_workers(1, timeout=WORKER_START_S)
        # the scheduler's active memory manager drops copies no waiting job needs, every 2 s: a
        # key or circuit would then travel again to each worker that proves with it next
        self.client.amm.stop()
        self.limit = limit
        self.workers = self._first_workers()
        self._keys: dict[str, Any] = {}  # digest -> the scattered key's or solver's future
        self._digests: dict[int, tuple[object, str]] = {}  # id(obj) -> (obj, digest): hash an object once

    def __enter__(self) -> "Farm":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def _first_workers(self) -> Optional[list[str]]:
        """The first ``limit`` workers by address (None without a limit: any worker)."""
        if self.limit is None:
            return None
        return sorted(self.client.scheduler_info(n_workers=-1)["workers"])[:self.limit]

    @property
    def n_workers(self) -> int:
        return len(self.workers) if self.workers is not None else len(self.client.scheduler_info(n_workers=-1)["workers"])

    def digest(self, key: ZKey) -> str:
        return self._digest(key, key_digest)

    def _digest(self, obj: Any, digest: Any) -> str:
        known = self._digests.get(id(obj))
        if known is None or known[0] is not obj:
            known = self._digests[id(obj)] = (obj, digest(obj))
        return known[1]

    def key(self, key: ZKey) -> Any:
        """The future of ``key`` on every worker, scattered the first time it is seen."""
        return self._share("zkey", key, self.digest(key))

    def solver(self, solver: Solver) -> Any:
        """The future of ``solver`` on every worker, scattered the first time it is seen."""
        return self._share("solver", solver, self._digest(solver, object_digest))

    def _share(self, kind: str, obj: Any, digest: str) -> Any:
        if digest not in self._keys:
            name = f"{kind}-{digest}"
            self._keys[digest] = self.client.scatter({name: obj}, broadcast=True, hash=False,
                                                     workers=self.workers)[name]
        return self._keys[digest]

    def submit(self, key: ZKey, witness: np.ndarray, seed: Optional[int] = None) -> Job:
        """Start proving ``witness`` under ``key``; the witness is checked here first."""
        w = check_witness(key, witness)
        public = array_to_ints(w[1:key.n_public + 1])
        return self._job(key, public, lambda: self._run(prove_job, self.key(key), w, seed))

    def submit_inputs(self, key: ZKey, solver: Solver, inputs: Mapping[str, object], public: Sequence[int],
                      seed: Optional[int] = None) -> Job:
        """Start solving ``inputs`` with ``solver`` and proving the witness under ``key``, on a
        worker; the proof is accepted only for the ``public`` signals given here."""
        inputs = dict(inputs)
        return self._job(key, list(public),
                         lambda: self._run(solve_prove_job, self.key(key), self.solver(solver), inputs, seed))

    @staticmethod
    def _job(key: ZKey, public: list[int], start: Callable[[], Any]) -> Job:
        return Job(start(), key, public, start)

    def _run(self, job: Any, *args: Any) -> Any:
        # strictly on the chosen workers: a loose restriction lets the scheduler's work stealing
        # move a queued job to any other worker, and a limit of one would measure two
        return self.client.submit(job, *args, pure=False, retries=self.retries, workers=self.workers)

    def _limit_gone(self) -> bool:
        """Whether every worker of the limit has left a cluster that still has workers."""
        if self.workers is None:
            return False
        alive = set(self.client.scheduler_info(n_workers=-1)["workers"])
        return bool(alive) and not alive & set(self.workers)

    def _again(self, job: Job) -> None:
        """Submit ``job`` anew, on the next ``limit`` workers if those of the limit all left."""
        if self._limit_gone():
            self.workers = self._first_workers()
        # scattered data is lost with the last worker that held it: share it again
        self._keys = {d: f for d, f in self._keys.items() if f.status == "finished"}
        job.future = job.again()

    def _answer(self, job: Job) -> tuple:
        """The worker's answer; a job restricted to a limit whose workers all left (it would wait
        for them for ever) starts again."""
        while True:
            try:
                return job.future.result(timeout=None if self.workers is None else LIMIT_WATCH_S)
            except TimeoutError:
                if job.future.done():
                    raise  # the job's own error, not the wait's
                if self._limit_gone():
                    self._again(job)

    def result(self, job: Job) -> FarmProof:
        """Wait for ``job``; its proof, verified, or :class:`SelfCheckError`."""
        for attempt in range(self.retries + 1):
            try:
                proof, public, seconds, worker, pid, witness_s = self._answer(job)
                break
            except CancelledError:
                if job.again is None or attempt == self.retries:
                    raise
                self._again(job)
        if public != job.public or not pairing_equation_holds(job.key.verification_key(), public, proof):
            raise SelfCheckError(f"worker {worker} returned a proof that does not verify for the witness sent")
        return FarmProof(proof, public, seconds, worker, pid, witness_s)

    def prove(self, key: ZKey, witnesses: Sequence[np.ndarray],
              seeds: Optional[Sequence[int]] = None) -> list[FarmProof]:
        """Verified proofs of ``witnesses`` under ``key``, in their order, proven in parallel."""
        jobs = [self.submit(key, w, seeds[i] if seeds is not None else None) for i, w in enumerate(witnesses)]
        return [self.result(job) for job in jobs]

    def pids(self) -> dict[str, int]:
        """Each worker's process id, by address."""
        return self.client.run(os.getpid)
