"""A small domain's five MSMs as one batch (``batch_msms``) in both provers: the in-process
``prove`` and the one-shot command's ``_msms`` give the same points and proofs with the batch,
one by one, and with the G2 MSM beside the rest, on one thread and on two; the profile names the
batch's one step (on two threads: one thread keeps the MSMs one by one)."""

from __future__ import annotations

import random

import pytest

from prozchain.bench.circuit_compile import Chain
from prozchain.native.curve import R
from prozchain.native.kernels import ints_to_array
from prozchain.prover.formats.zkey import write_zkey
from prozchain.prover.groth16 import oneshot
from prozchain.prover.groth16 import profile as profile_module
from prozchain.prover.groth16.profile import Profile, batch_msms
from prozchain.prover.groth16.prover import prove
from prozchain.prover.groth16.setup import constraint_system, dev_setup
from prozchain.prover.groth16.verifier import verify
from prozchain.relations.formats.wtns import write_wtns

MSM_STEPS = {"msm_a", "msm_b1", "msm_b2", "msm_c", "msm_h"}


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """A 1,022-constraint chain (domain 2^10), its development key, witness and their files."""
    compiled = Chain(1022).compile()
    key = dev_setup(constraint_system(compiled.r1cs), seed=3)
    values = compiled.solve({"x": 7})
    folder = tmp_path_factory.mktemp("chain")
    write_zkey(folder / "chain.zkey", key)
    write_wtns(values, folder / "chain.wtns")
    return key, ints_to_array(values, R), folder / "chain.zkey", folder / "chain.wtns"


def test_small_domains_are_batched_on_two_threads_or_more(threads):
    assert batch_msms(1024) == batch_msms(1 << 14) == (threads > 1) and not batch_msms(1 << 15)


def test_prove_gives_the_same_proof_batched_one_by_one_and_overlapped(chain, threads, monkeypatch):
    key, witness, _, _ = chain
    profile = Profile()
    batched = prove(key, witness, rng=random.Random(5), profile=profile, self_check=True)
    assert ("msms" in profile) == (threads > 1) and MSM_STEPS & set(profile) != (threads > 1)
    monkeypatch.setattr(profile_module, "BATCH_MAX_DOMAIN", 0)
    for overlap in (False, True):
        profile = Profile()
        assert prove(key, witness, rng=random.Random(5), profile=profile, overlap=overlap) == batched
        assert MSM_STEPS <= set(profile) and "msms" not in profile
    proof, public = batched
    assert verify(key.verification_key(), public, proof)


def test_the_one_shot_msms_are_the_same_batched_one_by_one_and_overlapped(chain, threads, monkeypatch):
    _, _, zkey, wtns = chain

    def msms(overlap):
        key = oneshot._read_key(zkey, "all")
        profile = Profile()
        points = oneshot._msms(key, oneshot._witness(wtns, key["n_vars"]), profile, overlap)
        return points, set(profile)

    batched, steps = msms(False)
    assert ("msms" in steps) == (threads > 1) and all(point is not None for point in batched)
    monkeypatch.setattr(profile_module, "BATCH_MAX_DOMAIN", 0)
    for overlap in (False, True):
        points, steps = msms(overlap)
        assert points == batched and MSM_STEPS <= steps
