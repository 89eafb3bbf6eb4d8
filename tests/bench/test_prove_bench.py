"""``prozchain bench prove`` times real, verified proofs from both provers."""

from __future__ import annotations

import argparse
import json

from bench.prove import run_prove
from native.kernels import array_to_ints
from prover.formats.wtns import write_wtns
from prover.formats.zkey import write_zkey
from prover.groth16.setup import dev_setup, toy_r1cs, toy_witness


def test_bench_prove_times_valid_proofs_of_both_provers(tmp_path, capsys):
    write_zkey(tmp_path / "toy.zkey", dev_setup(toy_r1cs(), seed=1))
    write_wtns(array_to_ints(toy_witness(3)), tmp_path / "toy.wtns")
    args = argparse.Namespace(zkey=str(tmp_path / "toy.zkey"), witness=str(tmp_path / "toy.wtns"), runs=1,
                              json=str(tmp_path / "out.json"))
    assert run_prove(args) == 0
    rows = {row["impl"]: row for row in json.loads((tmp_path / "out.json").read_text())}
    assert rows["prozchain"]["runs"] == 1 and rows["snarkjs"]["runs"] == 1
    assert rows["prozchain-split"]["msm_b2"] > 0
    assert "snarkjs" in capsys.readouterr().out
