"""Groth16 prove (issue 8) on generated chain circuits of 2^12 and 2^16 constraints.

    pytest bench/test_bench_prove.py --benchmark-only
    PROZ_BENCH_PROVE_SIZES=10 pytest bench/test_bench_prove.py --benchmark-only   # what CI runs

Each group is one circuit size; its rows are:

- ``native``: ``prove`` in this process with the key read and its bases prepared once (what a
  ``prove_many`` user gets), on the C core; its time split is in the benchmark's extra info;
- ``numba``: the same on the numba backend (2^12 and below: its MSM is single-threaded);
- ``command``: ``prozchain groth16 prove`` as a user runs it (process start, reading the
  .zkey and .wtns, writing the JSON), the number issue 8 compares with snarkjs;
- ``snarkjs``: ``snarkjs groth16 prove`` on the same files, in the same run.

Every timed proof is verified against the key's verification key. The end-of-run summary gives
each row's median over the native one; ``prozchain bench prove`` adds peak memory and a plot.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from prozchain.bench.kernel_ratios import record
from prozchain.bench.prove import chain_case, prozchain_command, snarkjs_command
from prozchain.native import get_backend
from prozchain.prover.formats.snarkjs_json import read_proof, read_public
from prozchain.prover.formats.zkey import read_zkey
from prozchain.prover.groth16.profile import Profile
from prozchain.prover.groth16.prover import prove, read_witness
from prozchain.prover.groth16.verifier import verify

SIZES = [int(k) for k in os.environ.get("PROZ_BENCH_PROVE_SIZES", "12,16").split(",")]
ROUNDS = int(os.environ.get("PROZ_BENCH_ROUNDS", "3"))
NUMBA_MAX = 12
CASES = [(k, impl) for k in SIZES for impl in ("native", "numba", "command", "snarkjs")
         if impl != "numba" or k <= NUMBA_MAX]
_KEYS: dict = {}


def _loaded(log_n: int):
    if log_n not in _KEYS:
        case = chain_case(log_n)
        key = read_zkey(case.zkey)
        _KEYS[log_n] = (case, key, read_witness(case.witness), key.verification_key())
    return _KEYS[log_n]


@pytest.mark.parametrize("log_n,impl", CASES, ids=[f"2^{k}-{impl}" for k, impl in CASES])
def test_prove(benchmark, log_n, impl, request, tmp_path):
    case, key, witness, vk = _loaded(log_n)
    benchmark.group = f"prove chain 2^{log_n}"
    if impl in ("native", "numba"):
        backend = get_backend("c" if impl == "native" else impl)
        prove(key, witness, backend)  # numba compiles (or loads its cache) outside the timing
        profile = Profile()
        proof, public = benchmark.pedantic(prove, args=(key, witness, backend, profile), rounds=ROUNDS,
                                           iterations=1)
        benchmark.extra_info["split_s"] = {step: seconds / ROUNDS for step, seconds in profile.items()}
        assert verify(vk, public, proof)
    else:
        if impl == "snarkjs":
            snarkjs, missing = snarkjs_command()
            if snarkjs is None:
                pytest.skip(f"snarkjs is not available: {missing}")
        else:
            snarkjs = prozchain_command()
        proof_file, public_file = tmp_path / "proof.json", tmp_path / "public.json"
        command = [*snarkjs, "groth16", "prove", str(case.zkey), str(case.witness), str(proof_file), str(public_file)]
        run = benchmark.pedantic(subprocess.run, args=(command,), kwargs={"capture_output": True, "text": True},
                                 rounds=ROUNDS, iterations=1)
        assert run.returncode == 0, run.stderr[-500:]
        assert verify(vk, read_public(Path(public_file)), read_proof(Path(proof_file)))
    record(request, benchmark, impl)
