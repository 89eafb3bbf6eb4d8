"""The prove time of the optimistic rollup's proven dispute segment (issue 24): ``Segment(k)`` over
k covered steps of a contract's loop, storage written and read every round, in a Poseidon
deployment. The benchmark times the proof; compiling, the development setup and the witness are
timed once and kept in ``extra_info`` with the constraint count, the load and the peak memory.

``PROZ_SEGMENT_PROVE_K=1,16`` picks the sizes (default 1: the setup of k = 16 takes about 20
minutes and 9 GiB here)."""

from __future__ import annotations

import os
import random
import resource
import time

import pytest

from prozchain.bench.segment_scale import loop_segment
from prozchain.native import get_backend
from prozchain.native.kernels import ints_to_array
from prozchain.prover.groth16.prover import prove
from prozchain.prover.groth16.verifier import verify
from prozchain.rollup.common.keys import proving_key
from prozchain.rollup.vm.circuit import Segment, segment_inputs

KS = [int(k) for k in os.environ.get("PROZ_SEGMENT_PROVE_K", "1").split(",") if k]


@pytest.mark.parametrize("k", KS)
def test_segment_prove(k, benchmark, tmp_path):
    ex, start = loop_segment(k)
    load, once, clock = os.getloadavg()[0], {}, time.perf_counter()
    circuit = Segment(k).compile()
    once["compile_s"], clock = time.perf_counter() - clock, time.perf_counter()
    zkey = proving_key(circuit, tmp_path)
    once["setup_s"], clock = time.perf_counter() - clock, time.perf_counter()
    witness = ints_to_array(circuit.solve(segment_inputs(ex, start, k)))
    once["witness_s"] = time.perf_counter() - clock
    benchmark.group = "segment prove"
    proof, public = benchmark.pedantic(prove, args=(zkey, witness, get_backend("c")),
                                       kwargs={"rng": random.Random(k)}, rounds=1, iterations=1)
    assert verify(zkey.verification_key(), public, proof)
    benchmark.extra_info.update(once, k=k, constraints=circuit.r1cs.n_constraints,
                                load=[load, os.getloadavg()[0]],
                                peak_rss_gib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)
