"""A proving farm: Groth16 proof jobs on a ``dask.distributed`` cluster.

:class:`Farm` starts a local cluster (worker processes with one thread each, the C core on one
thread in each: many proofs in parallel beat one proof split across threads at the sizes a farm
proves) or joins an existing one by address (``tcp://host:8786``). Then:

- a key goes to every worker once: it is scattered to all of them under a name made of its
  content hash (:func:`key_digest`), and every later job with that key (or an equal one) refers
  to the copy the workers hold;
- a witness travels as its ``(nVars, 4)`` uint64 limb array (32 bytes a value, sent as a raw
  buffer), inside the job, so the scheduler can run the job again elsewhere;
- a worker that dies mid-job has its job run on another worker (the scheduler reschedules the
  jobs of a lost worker; ``retries`` covers jobs that raise);
- every proof is verified here, against the key's verification key and the public signals of
  the witness that was sent, before it is handed out (:class:`SelfCheckError` otherwise);
- :meth:`Farm.prove` returns the proofs in the order of the witnesses.

>>> from prozchain.prover.groth16 import verify
>>> from prozchain.prover.groth16.setup import dev_setup, toy_r1cs, toy_witness
>>> key = dev_setup(toy_r1cs(), seed=1)
>>> with Farm(workers=1) as farm:
...     [done.public for done in farm.prove(key, [toy_witness(3), toy_witness(4)])]
[[27], [64]]
"""

from __future__ import annotations

import hashlib
import os
import random
import time
from dataclasses import dataclass
from typing import Any, Optional, Sequence

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


def prove_job(key: ZKey, witness: np.ndarray, seed: Optional[int]) -> tuple[Proof, list[int], float, str, int]:
    """What a worker runs: one proof (``seed``: replayable blinding, see ``prove``'s ``rng``),
    its proving seconds, and the worker's address and process id."""
    from distributed import get_worker

    start = time.perf_counter()
    proof, public = prove(key, witness, rng=random.Random(seed) if seed is not None else None)
    return proof, public, time.perf_counter() - start, get_worker().address, os.getpid()


class Job:
    """A submitted proof: :meth:`Farm.result` turns it into a verified :class:`FarmProof`."""

    def __init__(self, future: Any, key: ZKey, public: list[int]):
        self.future, self.key, self.public = future, key, public

    def done(self) -> bool:
        """Whether the worker has answered (:meth:`Farm.result` then returns at once)."""
        return self.future.done()


WORKER_START_S = 300


class Farm:
    """Proof jobs on a dask cluster; see the module doc. ``scheduler``: an existing cluster's
    address; without it a local cluster of ``workers`` processes (one thread each) starts, and
    stops on :meth:`close`. ``limit``: use only the first ``limit`` workers of the cluster
    (jobs move to others only if none of those is left)."""

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
            self.client.wait_for_workers(limit or 1, timeout=WORKER_START_S)
        self.workers: Optional[list[str]] = None
        if limit is not None:
            self.workers = sorted(self.client.scheduler_info(n_workers=-1)["workers"])[:limit]
        self._keys: dict[str, Any] = {}  # digest -> the scattered key's future
        self._digests: dict[int, tuple[ZKey, str]] = {}  # id(key) -> (key, digest): hash a key once

    def __enter__(self) -> "Farm":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    @property
    def n_workers(self) -> int:
        return len(self.workers) if self.workers is not None else len(self.client.scheduler_info(n_workers=-1)["workers"])

    def digest(self, key: ZKey) -> str:
        known = self._digests.get(id(key))
        if known is None or known[0] is not key:
            known = self._digests[id(key)] = (key, key_digest(key))
        return known[1]

    def key(self, key: ZKey) -> Any:
        """The future of ``key`` on every worker, scattered the first time it is seen."""
        digest = self.digest(key)
        if digest not in self._keys:
            name = f"zkey-{digest}"
            self._keys[digest] = self.client.scatter({name: key}, broadcast=True, hash=False,
                                                     workers=self.workers)[name]
        return self._keys[digest]

    def submit(self, key: ZKey, witness: np.ndarray, seed: Optional[int] = None) -> Job:
        """Start proving ``witness`` under ``key``; the witness is checked here first."""
        w = check_witness(key, witness)
        future = self.client.submit(prove_job, self.key(key), w, seed, pure=False, retries=self.retries,
                                    workers=self.workers, allow_other_workers=self.workers is not None)
        return Job(future, key, array_to_ints(w[1:key.n_public + 1]))

    def result(self, job: Job) -> FarmProof:
        """Wait for ``job``; its proof, verified, or :class:`SelfCheckError`."""
        proof, public, seconds, worker, pid = job.future.result()
        if public != job.public or not pairing_equation_holds(job.key.verification_key(), public, proof):
            raise SelfCheckError(f"worker {worker} returned a proof that does not verify for the witness sent")
        return FarmProof(proof, public, seconds, worker, pid)

    def prove(self, key: ZKey, witnesses: Sequence[np.ndarray],
              seeds: Optional[Sequence[int]] = None) -> list[FarmProof]:
        """Verified proofs of ``witnesses`` under ``key``, in their order, proven in parallel."""
        jobs = [self.submit(key, w, seeds[i] if seeds is not None else None) for i, w in enumerate(witnesses)]
        return [self.result(job) for job in jobs]

    def pids(self) -> dict[str, int]:
        """Each worker's process id, by address."""
        return self.client.run(os.getpid)
