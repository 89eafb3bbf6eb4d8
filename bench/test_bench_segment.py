"""The prove time of the optimistic rollup's proven dispute segment (issue 24): ``Segment(k)`` over
k covered steps of a contract's loop, storage written and read every round, in a Poseidon
deployment. The benchmark times the proof, from the key file read in place; compiling, the
streamed development setup and the witness are timed once
(:func:`prozchain.bench.segment_scale.key_and_witness`) and kept in ``extra_info`` with wall and
CPU seconds and the peak memory of each phase, the constraint count and the load.

``PROZ_SEGMENT_PROVE_K=1,16`` picks the sizes (default 1; k = 16 takes a few minutes here, see
docs/optimistic-rollup.md for the measured sizes)."""

from __future__ import annotations

import os

import pytest

from prozchain.bench.segment_scale import key_and_witness, phase
from prozchain.native import get_backend
from prozchain.prover.groth16.prover import prove
from prozchain.prover.groth16.verifier import verify

KS = [int(k) for k in os.environ.get("PROZ_SEGMENT_PROVE_K", "1").split(",") if k]


@pytest.mark.parametrize("k", KS)
def test_segment_prove(k, benchmark, tmp_path):
    record: dict = {"k": k, "load": [os.getloadavg()[0]]}
    key, witness = key_and_witness(k, tmp_path, record)
    benchmark.group = "segment prove"
    proof, public = benchmark.pedantic(phase, args=("prove", lambda: prove(key, witness, get_backend("c"), one_shot=True),
                                                    record), rounds=1, iterations=1)
    assert verify(key.verification_key(), public, proof)
    record["load"].append(os.getloadavg()[0])
    benchmark.extra_info.update(record)
