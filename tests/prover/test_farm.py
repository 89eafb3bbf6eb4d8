"""The proving farm on a local dask cluster (two worker processes, one thread each, started once
for the module): proofs in submission order and verified, keys and circuits sent once, witnesses
as limb arrays or solved on the workers from inputs, a killed worker's job finished elsewhere."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

from prozchain.bench.circuit_compile import Chain
from prozchain.native.kernels import array_to_ints, ints_to_array
from prozchain.prover.errors import SelfCheckError
from prozchain.prover.farm import Farm, Job, key_digest, object_digest
from prozchain.prover.groth16 import verify
from prozchain.prover.groth16.setup import constraint_system, dev_setup, toy_r1cs, toy_witness


@pytest.fixture(scope="module")
def farm():
    with Farm(workers=2) as f:
        yield f


@pytest.fixture(scope="module")
def chain():
    """A 2^13 multiplication chain: each proof takes long enough to kill its worker mid-job."""
    compiled = Chain((1 << 13) - 2).compile()
    key = dev_setup(constraint_system(compiled.r1cs), seed=5)
    return key, compiled, [ints_to_array(compiled.solve({"x": x})) for x in range(2, 8)]


def test_proofs_come_back_verified_in_order_and_the_key_goes_once(farm):
    key = dev_setup(toy_r1cs(), seed=1)
    done = farm.prove(key, [toy_witness(x) for x in range(2, 8)])
    assert [d.public for d in done] == [[x ** 3] for x in range(2, 8)]
    assert all(verify(key.verification_key(), d.public, d.proof) for d in done)
    again = dev_setup(toy_r1cs(), seed=1)  # an equal key, another object: the same scattered copy
    farm.prove(again, [toy_witness(9)])
    assert list(farm._keys) == [key_digest(key)]
    holders = farm.client.who_has(farm.key(key))[farm.key(key).key]
    assert len(holders) == 2  # every worker holds it


def native_threads() -> int:
    from prozchain.native.core import lib  # imported on the worker: a cffi library does not pickle

    return lib.pz_num_threads()


def test_workers_run_the_c_core_on_one_thread(farm):
    assert set(farm.client.run(native_threads).values()) == {1}


def test_a_proof_that_does_not_match_the_witness_sent_is_refused(farm):
    key = dev_setup(toy_r1cs(), seed=1)
    job = farm.submit(key, toy_witness(3))
    with pytest.raises(SelfCheckError, match="does not verify"):
        farm.result(Job(job.future, key, [28]))  # as if a worker had proven another statement
    other = dev_setup(toy_r1cs(), seed=2)
    with pytest.raises(SelfCheckError):
        farm.result(Job(farm.submit(key, toy_witness(3)).future, other, [27]))


def test_seeded_blinding_replays(farm):
    key = dev_setup(toy_r1cs(), seed=1)
    a, b = (farm.prove(key, [toy_witness(3)], seeds=[42])[0] for _ in range(2))
    assert a.proof == b.proof


def test_witnesses_solved_on_the_workers_give_the_same_proofs(farm, chain):
    key, compiled, witnesses = chain
    public = [array_to_ints(w[1:key.n_public + 1]) for w in witnesses[:2]]
    jobs = [farm.submit_inputs(key, compiled, {"x": x}, p, seed=7) for x, p in zip((2, 3), public)]
    solved = [farm.result(job) for job in jobs]
    sent = farm.prove(key, witnesses[:2], seeds=[7, 7])
    assert [d.proof for d in solved] == [d.proof for d in sent] and [d.public for d in solved] == public
    assert all(d.witness_s > 0 for d in solved) and object_digest(compiled) in farm._keys
    assert farm.solver(compiled) is farm._keys[object_digest(compiled)]  # scattered once, then named
    with pytest.raises(SelfCheckError, match="does not verify"):  # another statement than the caller expects
        farm.result(farm.submit_inputs(key, compiled, {"x": 4}, public[0]))


@pytest.mark.parametrize("solved_on_workers", [False, True])
def test_a_job_on_a_killed_worker_completes_elsewhere(farm, chain, solved_on_workers):
    key, compiled, witnesses = chain
    farm.prove(key, witnesses[:2])  # the key is on both workers before the kill
    if solved_on_workers:
        farm.solver(compiled)  # and the circuit
    pids = farm.pids()
    jobs = [farm.submit_inputs(key, compiled, {"x": x}, array_to_ints(w[1:key.n_public + 1]))
            if solved_on_workers else farm.submit(key, w) for x, w in zip(range(2, 8), witnesses)]
    ours = {job.future.key for job in jobs}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        busy = {addr: set(keys) & ours for addr, keys in farm.client.processing().items()}
        victim = next((addr for addr, keys in busy.items() if keys), None)
        if victim is not None:
            break
        time.sleep(0.01)
    assert victim is not None
    os.kill(pids[victim], signal.SIGKILL)
    done = [farm.result(job) for job in jobs]
    assert [d.public for d in done] == [job.public for job in jobs]
    lost = busy[victim]
    assert all(d.pid != pids[victim] for d, job in zip(done, jobs) if job.future.key in lost)
    assert all(verify(key.verification_key(), d.public, d.proof) for d in done)
