"""``prozchain bench prove`` times real, verified proofs from both provers, on given files and on
generated circuits, and writes its JSON and plot."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from bench.prove import chain_case, run_prove
from native.kernels import array_to_ints
from prover.formats.wtns import write_wtns
from prover.formats.zkey import read_zkey, write_zkey
from prover.groth16.setup import dev_setup, toy_r1cs, toy_witness


def options(tmp_path, **given) -> argparse.Namespace:
    defaults = dict(zkey=None, witness=None, sizes="10", runs=1, numba=False, numba_max=14,
                    out=str(tmp_path / "results"), no_plot=False)
    return argparse.Namespace(**{**defaults, **given})


def test_bench_prove_times_valid_proofs_of_both_provers_on_given_files(tmp_path, capsys):
    write_zkey(tmp_path / "toy.zkey", dev_setup(toy_r1cs(), seed=1))
    write_wtns(array_to_ints(toy_witness(3)), tmp_path / "toy.wtns")
    assert run_prove(options(tmp_path, zkey=str(tmp_path / "toy.zkey"), witness=str(tmp_path / "toy.wtns"),
                             no_plot=True)) == 0
    rows = {row["impl"]: row for row in json.loads((tmp_path / "results" / "prove.json").read_text())["rows"]}
    assert rows["prozchain-c"]["runs"] == 1 and rows["snarkjs"]["runs"] == 1
    assert rows["prozchain-c"]["split_s"]["msm_b2"] > 0
    assert rows["prozchain-c"]["snarkjs_verifies_ours"] is True
    assert rows["prozchain-c"]["peak_rss_mib"] > 10
    assert "snarkjs" in capsys.readouterr().out


def test_bench_prove_on_a_generated_circuit_with_numba_and_a_plot(tmp_path, monkeypatch):
    monkeypatch.setattr("bench.prove.RESULTS", tmp_path / "results")
    case = chain_case(10, tmp_path / "circuits")
    key = read_zkey(case.zkey)
    assert (key.domain_size, case.constraints, key.n_public) == (1024, 1022, 1)
    assert chain_case(10, tmp_path / "circuits").zkey.stat().st_mtime_ns == case.zkey.stat().st_mtime_ns  # reused
    monkeypatch.setattr("bench.prove.chain_case", lambda log_n: chain_case(log_n, tmp_path / "circuits"))
    assert run_prove(options(tmp_path, numba=True)) == 0
    report = json.loads((tmp_path / "results" / "prove.json").read_text())
    impls = {row["impl"]: row for row in report["rows"]}
    assert set(impls) == {"prozchain-c", "prozchain-numba", "snarkjs"}
    assert impls["prozchain-c"]["snarkjs_over_this"] > 0
    assert report["machine"]["cores"] >= 1
    assert (tmp_path / "results" / "prove.png").stat().st_size > 1000


def test_the_prove_benchmark_suite_runs_at_a_small_size(tmp_path):
    """`make bench`'s prove suite, once at 2^10 with one round, so it cannot rot unnoticed."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PROZ_BENCH_PROVE_SIZES": "10", "PROZ_BENCH_ROUNDS": "1"}
    run = subprocess.run([sys.executable, "-m", "pytest", "bench/test_bench_prove.py", "--benchmark-only", "-q",
                          "-p", "no:cacheprovider", f"--benchmark-json={tmp_path / 'bench.json'}"],
                         cwd=root, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-2000:]
    names = {b["name"] for b in json.loads((tmp_path / "bench.json").read_text())["benchmarks"]}
    assert names == {f"test_prove[2^10-{impl}]" for impl in ("native", "numba", "command", "snarkjs")}
    assert "medians and ratio to native" in run.stdout
