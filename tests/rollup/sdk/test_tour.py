"""The pieces of ``prozchain demo``, the tour (the full tour runs for about a minute; ``make demo``
runs it; the workbench's pieces are tested in tests/rollup/zk/test_demo.py)."""

from __future__ import annotations

import argparse

from prozchain.rollup.sdk import tour
from prozchain.rollup.sdk.stages import StageStore


def test_the_stops_in_order():
    titles = [stop.title for stop in tour.STOPS]
    assert titles[0].startswith("the workbench") and "ZK rollup proven and verified" in titles[0]
    assert tour.STOPS[0].run is tour.workbench_stop  # what `make demo` did before stays first
    for words in ("optimistic dispute", "multi-hop channel", "sidechain bridge round trip", "cross-layer messages",
                  "measured side by side", "explorer"):
        assert any(words in t for t in titles), words


def test_a_scenario_stop_reports_and_checks(capsys):
    assert tour.scenario_stop("opt-invalid-root")(argparse.Namespace())
    out = capsys.readouterr().out
    assert "opt-invalid-root seed 1: OK" in out and "challenger won" in out


def test_the_sidechain_round_trip_writes_the_stage_store(tmp_path, capsys):
    args = argparse.Namespace(db=str(tmp_path / "stages.db"))
    assert tour.sidechain_round_trip(args)
    out = capsys.readouterr().out
    assert f"prozchain tx status --db {args.db} {args.example_tx}" in out
    records = StageStore(args.db).all()
    assert sorted(r.kind for r in records) == ["deposit", "transfer", "withdraw"] and all(r.final for r in records)


def test_the_table_and_a_routed_transfer(tmp_path, capsys):
    assert tour.layers_and_routing(argparse.Namespace(db=str(tmp_path / "stages.db")))
    out = capsys.readouterr().out
    assert "| zk rollup |" in out and "| channel |" in out
    assert "routed 2000 tokens under a 60 s finality limit: sidechain: the cheapest route" in out


def test_the_pointer_to_the_explorer(capsys):
    assert tour.explorer_pointer(argparse.Namespace(db="/tmp/x.db", example_tx="0xab"))
    out = capsys.readouterr().out
    assert "prozchain explorer --scenario" in out and "prozchain tx status --db /tmp/x.db 0xab" in out
