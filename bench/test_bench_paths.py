"""The C core's arithmetic paths side by side (issue 19), on a quiet machine and with every core
busy.

    pytest bench/test_bench_paths.py --benchmark-only

Groups: a two-pair pairing check, G1 MSM at 2^12 and 2^16, and a Groth16 prove at 2^12 and
2^16, each quiet and busy (one busy-loop process per core, see bench/load.py). Rows: "native",
the path this CPU runs by default (the x86-64 assembly where the CPU has ADX and BMI2), and
"portable", the plain C path of every other machine, timed in the same run on the same inputs;
the summary's portable/native column is the ratio issue 19 bounds (at most 2x). Every result is
checked against the default path's.
"""

from __future__ import annotations

import random

import pytest

from prozchain.bench.cli import bench_bases, bench_scalars
from prozchain.bench.kernel_ratios import record
from prozchain.bench.load import MACHINE_STATES, machine_state
from prozchain.bench.prove import chain_case
from prozchain.native.curve import R, Group
from prozchain.native.c_backend import CBackend
from prozchain.native.core import PATH, runnable_paths
from prozchain.prover.formats.zkey import read_zkey
from prozchain.prover.groth16.prover import prove, read_witness
from prozchain.prover.groth16.verifier import verify

IMPLS = ["native"] + [path for path in runnable_paths() if path != PATH]
_INPUTS: dict = {}


def _backend(impl: str) -> CBackend:
    return CBackend() if impl == "native" else CBackend(impl)


def _pairs():
    if "pairs" not in _INPUTS:
        c, rng = CBackend(), random.Random(19)
        p = c.g_mul(Group.G1, c.g1_generator(), rng.randrange(1, R))
        q = c.g_mul(Group.G2, c.g2_generator(), rng.randrange(1, R))
        _INPUTS["pairs"] = [(p, q), (c.g_neg(Group.G1, p), q)]
    return _INPUTS["pairs"]


def _msm(log_n: int):
    if ("msm", log_n) not in _INPUTS:
        bases, scalars = bench_bases(Group.G1, log_n), bench_scalars(log_n)
        _INPUTS[("msm", log_n)] = (bases, scalars, CBackend().msm_prepared(bases, scalars))
    return _INPUTS[("msm", log_n)]


def _prove_case(log_n: int):
    if ("prove", log_n) not in _INPUTS:
        case = chain_case(log_n)
        key = read_zkey(case.zkey)
        _INPUTS[("prove", log_n)] = (key, read_witness(case.witness), key.verification_key())
    return _INPUTS[("prove", log_n)]


def _timed(benchmark, request, impl: str, state: str, group: Group, fn, args: tuple, rounds: int):
    """``fn(*args)`` timed in ``state`` under ``group``, recorded for the summary; its result."""
    benchmark.group = f"{group} {state}"
    with machine_state(state):
        result = benchmark.pedantic(fn, args=args, rounds=rounds, iterations=1, warmup_rounds=1)
    record(request, benchmark, impl)
    return result


@pytest.mark.parametrize("state", MACHINE_STATES)
@pytest.mark.parametrize("impl", IMPLS)
def test_pairing(benchmark, request, impl, state):
    assert _timed(benchmark, request, impl, state, "pairing check", _backend(impl).pairing_check, (_pairs(),), 200)


@pytest.mark.parametrize("state", MACHINE_STATES)
@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("log_n", [12, 16])
def test_g1_msm(benchmark, request, log_n, impl, state):
    bases, scalars, want = _msm(log_n)
    got = _timed(benchmark, request, impl, state, f"msm_g1 2^{log_n}", _backend(impl).msm_prepared, (bases, scalars), 5)
    assert got == want


@pytest.mark.parametrize("state", MACHINE_STATES)
@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("log_n", [12, 16])
def test_prove(benchmark, request, log_n, impl, state):
    key, witness, vk = _prove_case(log_n)
    proof, public = _timed(benchmark, request, impl, state, f"prove chain 2^{log_n}", prove,
                           (key, witness, _backend(impl)), 3)
    assert verify(vk, public, proof)
