"""Witness solving (issue 26): the DSL's solver beside circom's wasm witness, quiet and busy.

    pytest bench/test_bench_witness.py --benchmark-only
    PROZ_BENCH_WITNESS_CASES=chain12,merkle4 pytest bench/test_bench_witness.py --benchmark-only

Each group is one statement (``prozchain bench witness`` names them: chain16, chain18,
merkle20, batch) in one machine state (``busy``: every other core spinning); its rows are

- ``native``: :meth:`~prozchain.circuits.CompiledCircuit.solve_array` in this process, checked,
  on the C core (the solve program made before timing);
- ``circom-cmd``: ``node generate_witness.js`` on the same statement compiled by circom, as a
  whole command; the in-node median of circom's wasm (instantiated once) is in the row's extra
  info as ``circom_wasm_s`` (``prozchain bench witness`` prints all three side by side).

Every circom row's outputs are checked against ours.
"""

from __future__ import annotations

import contextlib
import os
import statistics
from pathlib import Path

import pytest

from prozchain.bench.kernel_ratios import record
from prozchain.bench.load import busy_cores
from prozchain.bench.prove import npm_tool
from prozchain.bench.witness import (CASES, WitnessCase, circom_build, circom_command, circom_in_process,
                                     make_case, time_ours, write_input)

NAMES = os.environ.get("PROZ_BENCH_WITNESS_CASES", ",".join(CASES)).split(",")
ROUNDS = int(os.environ.get("PROZ_BENCH_ROUNDS", "5"))
_CASES: dict[str, WitnessCase] = {}


def _case(name: str) -> WitnessCase:
    if name not in _CASES:
        _CASES[name] = make_case(name)
    return _CASES[name]


def _state(state: str):
    return busy_cores(max(1, (os.cpu_count() or 2) - 1)) if state == "busy" else contextlib.nullcontext()


@pytest.mark.parametrize("state", ["quiet", "busy"])
@pytest.mark.parametrize("impl", ["native", "circom-cmd"])
@pytest.mark.parametrize("name", NAMES)
def test_witness(benchmark, request, name, impl, state, tmp_path):
    case = _case(name)
    benchmark.group = f"witness {case.name} {state}"
    _, outputs = time_ours(case, 1)  # makes the solve program outside the timing
    if impl == "native":
        with _state(state):
            benchmark.pedantic(case.compiled.solve_array, args=(case.inputs,), rounds=ROUNDS, iterations=1)
    else:
        circom, missing = npm_tool("circom2")
        if circom is None or case.circom is None:
            pytest.skip(f"no circom peer: {missing or 'no circom version of ' + case.name}")
        build = circom_build(case, circom)
        input_file = write_input(case, Path(tmp_path) / "input.json")
        with _state(state):
            peer = circom_in_process(build, input_file, ROUNDS, case.n_outputs)
            benchmark.pedantic(circom_command, args=(build, input_file, 1), rounds=ROUNDS, iterations=1)
        benchmark.extra_info["circom_wasm_s"] = statistics.median(peer["times_s"])
        assert [int(v) for v in peer["outputs"]] == outputs
    record(request, benchmark, impl)
