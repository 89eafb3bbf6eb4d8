"""``prozchain bench serve`` times verified proofs from ``prozchain serve`` and from one command
per proof, and writes its JSON."""

from __future__ import annotations

import argparse
import json

from prozchain.bench.prove import chain_case, rapidsnark_command
from prozchain.bench.serve import run_serve_bench


def test_bench_serve_rates_and_json(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("prozchain.bench.serve.chain_case", lambda log_n: chain_case(log_n, tmp_path / "circuits"))
    out = tmp_path / "serve.json"
    args = argparse.Namespace(sizes="10", proofs=2, clients="1,2", tables="0,16", unix=False, circom=False, json=str(out))
    assert run_serve_bench(args) == 0
    rows = {row["prover"]: row for row in json.loads(out.read_text())["rows"]}
    assert {"prozchain groth16 prove"} | {f"prozchain serve, {c}, tables {t} MiB" for c in ("1 client", "2 clients")
                                          for t in (0, 16)} <= set(rows)
    assert all(row["proofs_per_s"] > 0 and len(row["load"]) == 2 for row in rows.values())
    served = rows["prozchain serve, 1 client, tables 0 MiB"]
    assert served["ready_s"] > 0 and 0 < served["verify_ms"] < served["prove_ms"]
    printed = capsys.readouterr().out
    assert "load average" in printed
    assert ("missing: rapidsnark" in printed) == (rapidsnark_command()[0] is None)
