"""The proving farm on an existing cluster, joined by address: a ``dask scheduler`` and ``dask
worker`` processes (no nanny: a killed worker stays dead; two live at a time) started here as
separate OS processes, as an operator would start them on their machines, from the pinned
dask/distributed.

Proofs submitted by address come back verified and in order; the key reaches each worker once
(counted where it arrives: every ZKey unpickled on a worker); a worker killed mid-job has its
jobs proven by another; a limit of workers holds (no job stolen by a worker outside it) until
none of them is left; and ``prozchain bench rollup --scheduler`` runs on the cluster. The
processes stop when the module's tests end, failed or not, and die with this process if it is
killed (their parent-death signal).
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
from distributed import Client

from prozchain.bench.circuit_compile import Chain
from prozchain.cli import main
from prozchain.native.kernels import array_to_ints, ints_to_array
from prozchain.prover.farm import WORKER_ENV, Farm, Job
from prozchain.prover.formats.zkey import ZKey
from prozchain.prover.groth16 import verify
from prozchain.prover.groth16.setup import constraint_system, dev_setup

ROOT = Path(__file__).resolve().parents[2]
START_S = 120  # a worker imports dask and registers; on a machine whose cores are busy, slowly
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Cluster:
    """A scheduler and its workers, each a ``python -m dask`` process logging to ``folder``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.processes: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.address = ""

    def _start(self, command: str, name: str, args: list[str]) -> subprocess.Popen:
        # the workers import this module to run the functions below: the repository on their path
        env = {**os.environ, **WORKER_ENV, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        with open(self.folder / f"{name}.log", "w") as log:
            p = subprocess.Popen([sys.executable, "-m", "dask", command, *args], cwd=self.folder, env=env,
                                 stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        self.processes.append(p)
        return p

    def start(self) -> None:
        file = self.folder / "scheduler.json"
        scheduler = self._start("scheduler", "scheduler", ["--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                                           "--scheduler-file", str(file)])
        deadline = time.monotonic() + START_S
        while not file.exists() and scheduler.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert file.exists(), (self.folder / "scheduler.log").read_text()
        time.sleep(0.1)  # written whole, but give the writer its close
        self.address = json.loads(file.read_text())["address"]

    def alive(self) -> list[subprocess.Popen]:
        return [p for p in self.workers if p.poll() is None]

    def ensure(self, n: int) -> None:
        """Start workers until at least ``n`` live, and wait until the scheduler counts exactly
        the live ones (the farm joins a cluster as it is)."""
        while len(self.alive()) < n:
            name = f"worker{len(self.workers)}"
            self.workers.append(self._start("worker", name, [
                self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", name,
                "--local-directory", str(self.folder / name)]))
        n = len(self.alive())
        with Client(self.address, timeout="10s") as client:
            deadline = time.monotonic() + START_S
            while len(client.scheduler_info(n_workers=-1)["workers"]) != n and time.monotonic() < deadline:
                time.sleep(0.1)  # a killed worker's leaving included
            assert len(client.scheduler_info(n_workers=-1)["workers"]) == n

    def stop(self) -> None:
        for p in self.processes[::-1]:
            if p.poll() is None:
                p.terminate()
        for p in self.processes:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    c = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        c.start()
        yield c
    finally:
        c.stop()


# ---- run on the workers (they import this module) ----
ARRIVED: list[int] = []


def count_arriving_keys() -> None:
    """Count every ZKey unpickled in this process from now on: each time a key reaches it."""
    ARRIVED.clear()

    def arrive(key: ZKey, state: dict) -> None:
        key.__dict__.update(state)
        ARRIVED.append(key.n_vars)

    ZKey.__setstate__ = arrive


def arrived() -> int:
    return len(ARRIVED)


@pytest.fixture
def farm(cluster: Cluster) -> Iterator[Farm]:
    """A farm on two live workers, keys counted where they arrive."""
    cluster.ensure(2)
    with Farm(cluster.address) as f:
        assert f.n_workers == 2
        f.client.run(count_arriving_keys)
        yield f


@pytest.fixture(scope="module")
def chain():
    """A 2^12 multiplication chain: a proof long enough to kill its worker in the middle."""
    compiled = Chain((1 << 12) - 2).compile()
    key = dev_setup(constraint_system(compiled.r1cs), seed=5)
    return key, [ints_to_array(compiled.solve({"x": x})) for x in range(2, 10)]


def publics(key: ZKey, witnesses) -> list[list[int]]:
    return [array_to_ints(w[1:key.n_public + 1]) for w in witnesses]


def kill_mid_job(farm: Farm, jobs: list[Job], among: set[str]) -> tuple[str, set]:
    """SIGKILL the worker of ``among`` holding most of ``jobs`` (once each of ``among`` holds
    one); its address, and the jobs it held."""
    pids, ours = farm.pids(), {job.future.key for job in jobs}
    deadline = time.monotonic() + 30
    busy: dict = {}
    while time.monotonic() < deadline:
        busy = {addr: set(keys) & ours for addr, keys in farm.client.processing().items() if addr in among}
        if len(busy) == len(among) and all(busy.values()):
            break
        time.sleep(0.005)
    victim = max(busy, key=lambda addr: len(busy[addr]))
    assert busy[victim], busy
    os.kill(pids[victim], signal.SIGKILL)
    return victim, busy[victim]


def test_proofs_by_address_are_verified_in_order_and_the_key_reaches_each_worker_once(cluster, farm, chain):
    key, witnesses = chain
    pids = farm.pids()
    assert set(pids.values()) == {p.pid for p in cluster.alive()}  # the processes started here
    done = farm.prove(key, witnesses)
    assert [d.public for d in done] == publics(key, witnesses)
    assert all(verify(key.verification_key(), d.public, d.proof) for d in done)
    assert {d.pid for d in done} == set(pids.values())  # both proved
    farm.prove(key, witnesses[:4])
    assert farm.client.run(arrived) == {address: 1 for address in pids}


def test_a_job_on_a_killed_worker_is_proven_by_another(cluster, farm, chain):
    key, witnesses = chain
    farm.prove(key, witnesses[:2])  # the key is on both workers before the kill
    pids = farm.pids()
    jobs = [farm.submit(key, w) for w in witnesses]
    victim, held = kill_mid_job(farm, jobs, set(pids))
    done = [farm.result(job) for job in jobs]
    assert [d.public for d in done] == publics(key, witnesses)
    assert all(verify(key.verification_key(), d.public, d.proof) for d in done)
    # what the victim held when it died was taken over (a proof it had sent just before may stand)
    (survivor,) = set(pids) - {victim}
    retried = [d for d, job in zip(done, jobs) if job.future.key in held and d.pid != pids[victim]]
    assert retried and all(d.pid == pids[survivor] for d in retried)
    assert [p.poll() for p in cluster.workers if p.pid == pids[victim]] == [-signal.SIGKILL]
    assert farm.client.run(arrived) == {survivor: 1}  # the retried jobs used the copy it held


def test_a_limit_keeps_the_jobs_on_its_workers_until_none_is_left(cluster, farm, chain):
    """``limit=1`` (``bench rollup --workers 1``): every job on the first worker, none stolen
    by the idle second; that one killed mid-job, the jobs and the key move to the next."""
    key, witnesses = chain
    with Farm(cluster.address, limit=1) as one:
        (first,) = one.workers
        pids = one.pids()
        done = one.prove(key, witnesses)
        assert {d.worker for d in done} == {first} and [d.public for d in done] == publics(key, witnesses)
        jobs = [one.submit(key, w) for w in witnesses]
        kill_mid_job(one, jobs, {first})
        done = [one.result(job) for job in jobs]
        (second,) = set(pids) - {first}
        assert one.workers == [second] and {d.worker for d in done} <= {first, second}
        assert [d.public for d in done] == publics(key, witnesses)
        assert all(verify(key.verification_key(), d.public, d.proof) for d in done)
        assert one.client.run(arrived) == {second: 1}


def test_bench_rollup_runs_on_the_cluster(cluster, capsys):
    """On as many workers as it has, and a refusal at once for more."""
    cluster.ensure(1)
    tiny = ["--slots", "1", "--depth", "2", "--batches", "1", "--scheduler", cluster.address]
    assert main(["bench", "rollup", "--workers", "1", *tiny]) == 0
    assert "transfers/s" in capsys.readouterr().out
    start = time.monotonic()
    assert main(["bench", "rollup", "--workers", "9", *tiny]) == 2
    assert "fewer than 9" in capsys.readouterr().err and time.monotonic() - start < 20
