"""``prozchain bench prove`` times real, verified proofs from both provers, on given files and on
generated circuits, and writes its JSON and plot."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from prozchain.bench.prove import chain_case, run_prove
from prozchain.cli import run
from prozchain.native.kernels import array_to_ints
from prozchain.relations.formats.wtns import write_wtns
from prozchain.prover.formats.zkey import read_zkey, write_zkey
from prozchain.prover.groth16.setup import dev_setup, toy_r1cs, toy_witness


# bench/ keeps its npm packages and built circuits in its own folder: one worker at a time (tests/conftest.py)
pytestmark = pytest.mark.xdist_group("bench-folder")


def options(tmp_path, **given) -> argparse.Namespace:
    defaults = dict(zkey=None, witness=None, sizes="10", runs=1, numba=False, numba_max=14,
                    out=str(tmp_path / "results"), no_plot=False, circom=False, snarkjs_max=None, prozchain=None)
    return argparse.Namespace(**{**defaults, **given})


def test_bench_prove_times_valid_proofs_of_both_provers_on_given_files(tmp_path, capsys, monkeypatch):
    write_zkey(tmp_path / "toy.zkey", dev_setup(toy_r1cs(), seed=1))
    write_wtns(array_to_ints(toy_witness(3)), tmp_path / "toy.wtns")
    # a folder holding a package named like ours must not shadow the installed command
    (tmp_path / "native").mkdir()
    (tmp_path / "native" / "__init__.py").write_text("raise ImportError('the checkout shadowed the install')\n")
    monkeypatch.chdir(tmp_path)
    command = str(Path(sys.executable).with_name("prozchain"))  # given as --prozchain: the same command
    assert run_prove(options(tmp_path, zkey="toy.zkey", witness="toy.wtns", sizes=None, out=".", prozchain=command)) == 0
    report = json.loads((tmp_path / "prove.json").read_text())
    assert report["install"]["command"] == command and report["install"]["kind"] in ("editable", "regular")
    rows = {row["impl"]: row for row in report["rows"]}
    assert rows["prozchain-c"]["runs"] == 1 and rows["snarkjs"]["runs"] == 1
    assert rows["prozchain-c"]["constraints"] == toy_r1cs().n_constraints
    assert (tmp_path / "prove.png").stat().st_size > 1000  # one circuit: bars with the ratio
    split = rows["prozchain-c"]["split_s"]
    msm = "msms" if "msms" in split else "msm_h"  # a small domain's MSMs: one batch on two threads or more
    assert split[msm] > 0
    assert rows["prozchain-c"]["snarkjs_verifies_ours"] is True
    assert rows["prozchain-c"]["peak_rss_mib"] > 10
    after_step = rows["prozchain-c"]["peak_rss_after_step_mib"]
    assert 10 < after_step["abc"] <= after_step[msm] <= after_step["process"]  # a high-water mark
    out = capsys.readouterr().out
    assert "snarkjs" in out and f"timing {command} ({report['install']['kind']} install" in out


def test_bench_prove_says_why_a_prover_failed_and_refuses_sizes_with_own_files(tmp_path, capsys):
    write_zkey(tmp_path / "toy.zkey", dev_setup(toy_r1cs(), seed=1))
    write_wtns(array_to_ints(toy_witness(3))[:-1], tmp_path / "short.wtns")  # one value short of the key's
    given = dict(zkey=str(tmp_path / "toy.zkey"), witness=str(tmp_path / "short.wtns"), no_plot=True)
    assert run(run_prove, options(tmp_path, **given, sizes="12")) == 2
    assert "--sizes" in capsys.readouterr().err
    assert run_prove(options(tmp_path, **given, sizes=None)) == 1
    out = capsys.readouterr().out
    assert "prozchain-c run 0: no valid proof (exit 2): error: witness has 3 values" in out, out


def test_bench_prove_on_a_generated_circuit_with_numba_and_a_plot(tmp_path, monkeypatch):
    monkeypatch.setattr("prozchain.bench.prove.RESULTS", tmp_path / "results")
    case = chain_case(10, tmp_path / "circuits")
    key = read_zkey(case.zkey)
    assert (key.domain_size, case.constraints, key.n_public) == (1024, 1022, 1)
    assert chain_case(10, tmp_path / "circuits").zkey.stat().st_mtime_ns == case.zkey.stat().st_mtime_ns  # reused
    monkeypatch.setattr("prozchain.bench.prove.chain_case", lambda log_n: chain_case(log_n, tmp_path / "circuits"))
    assert run_prove(options(tmp_path, numba=True)) == 0
    report = json.loads((tmp_path / "results" / "prove.json").read_text())
    impls = {row["impl"]: row for row in report["rows"]}
    assert set(impls) == {"prozchain-c", "prozchain-numba", "snarkjs"}
    assert impls["prozchain-c"]["snarkjs_over_this"] > 0
    assert report["machine"]["cores"] >= 1
    assert (tmp_path / "results" / "prove.png").stat().st_size > 1000


def test_circom_cases_and_peer_proofs(tmp_path, monkeypatch):
    """--circom: the chain compiled by circom and keyed by snarkjs, timed interleaved with a
    load and CPU per row; a proof.json without "curve" (rapidsnark's) is read as bn128."""
    from prozchain.bench.prove import circom_chain_case, npm_tool, peer_proof, snarkjs_command
    from prozchain.prover.formats.snarkjs_json import proof_to_json
    from prozchain.prover.groth16.prover import prove, read_witness

    snarkjs, circom = snarkjs_command()[0], npm_tool("circom2")[0]
    case = circom_chain_case(5, snarkjs, circom, tmp_path / "circuits")
    key = read_zkey(case.zkey)
    assert (key.domain_size, case.constraints, key.n_public) == (32, 30, 1)
    assert circom_chain_case(5, snarkjs, circom, tmp_path / "circuits").zkey.stat().st_mtime_ns == \
        case.zkey.stat().st_mtime_ns  # reused
    monkeypatch.setattr("prozchain.bench.prove.circom_chain_case",
                        lambda log_n, js, cc: circom_chain_case(log_n, js, cc, tmp_path / "circuits"))
    assert run_prove(options(tmp_path, sizes="5", circom=True, snarkjs_max=4, runs=2, no_plot=True)) == 0
    rows = json.loads((tmp_path / "results" / "prove.json").read_text())["rows"]
    assert [r["impl"] for r in rows if r["impl"] != "rapidsnark"] == ["prozchain-c"]  # no snarkjs above 2^4
    assert rows[0]["runs"] == 2 and rows[0]["median_cpu_s"] > 0 and len(rows[0]["load_1min"]) == 2
    assert rows[0]["limit_s"] > 0
    proof, _ = prove(key, read_witness(case.witness))
    bare = {k: v for k, v in proof_to_json(proof).items() if k != "curve"}
    (tmp_path / "bare.json").write_text(json.dumps(bare))
    assert peer_proof(tmp_path / "bare.json") == proof


def test_the_prove_benchmark_suite_runs_at_a_small_size(tmp_path):
    """`make bench`'s prove suite, once at 2^10 with one round, so it cannot rot unnoticed."""
    root = Path(__file__).resolve().parents[2]
    # without the xdist worker's variables: pytest-benchmark reads them as "xdist is on" and disables itself
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")},
           "PROZ_BENCH_PROVE_SIZES": "10", "PROZ_BENCH_ROUNDS": "1"}
    run = subprocess.run([sys.executable, "-m", "pytest", "bench/test_bench_prove.py", "--benchmark-only", "-q",
                          "-p", "no:cacheprovider", f"--benchmark-json={tmp_path / 'bench.json'}"],
                         cwd=root, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-2000:]
    names = {b["name"] for b in json.loads((tmp_path / "bench.json").read_text())["benchmarks"]}
    assert names == {f"test_prove[2^10-{impl}]" for impl in ("native", "numba", "command", "snarkjs")}
    assert "medians and ratio to native" in run.stdout


def test_rapidsnark_is_a_peer_when_on_the_path(tmp_path, capsys, monkeypatch):
    """A ``rapidsnark`` on the PATH is timed beside us (here a stand-in taking rapidsnark's
    arguments); a ``prover`` that is not rapidsnark's is left alone; none is reported missing."""
    write_zkey(tmp_path / "toy.zkey", dev_setup(toy_r1cs(), seed=1))
    write_wtns(array_to_ints(toy_witness(3)), tmp_path / "toy.wtns")
    given = dict(zkey=str(tmp_path / "toy.zkey"), witness=str(tmp_path / "toy.wtns"), sizes=None, no_plot=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stand_in = bin_dir / "prover"
    stand_in.write_text("#!/bin/sh\necho 'some other prover'\n")
    stand_in.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert run_prove(options(tmp_path, **given)) == 0
    out = capsys.readouterr().out
    assert "missing: rapidsnark: no rapidsnark" in out
    ours = Path(sys.executable).with_name("prozchain")
    (bin_dir / "rapidsnark").write_text(f'#!/bin/sh\nexec "{ours}" groth16 prove "$@"\n')
    (bin_dir / "rapidsnark").chmod(0o755)
    assert run_prove(options(tmp_path, **given)) == 0
    rows = {row["impl"]: row for row in json.loads((tmp_path / "results" / "prove.json").read_text())["rows"]}
    assert rows["rapidsnark"]["runs"] == 1 and rows["prozchain-c"]["rapidsnark_over_this"] > 0
    assert "missing: rapidsnark" not in capsys.readouterr().out
