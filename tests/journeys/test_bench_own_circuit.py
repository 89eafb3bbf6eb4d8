"""Journey 1, benchmarking your own circuit (README, "Groth16, drop-in with snarkjs" and
"Benchmarks against snarkjs"): the user's circuit compiled and its witness solved by
``prozchain circuit``, a development key from ``groth16 setup --dev``, then ``bench prove`` on
the user's ``circuit.zkey`` and ``witness.wtns``."""

from __future__ import annotations

import json

import pytest

from tests.journeys.conftest import block_after, run

# bench/ keeps its npm packages and built circuits in its own folder: one worker at a time (tests/conftest.py)
pytestmark = pytest.mark.xdist_group("bench-folder")

INPUT = '{"x": 3, "y": 9}\n'


def test_bench_prove_on_your_own_files(folder):
    # the user's circuit, written as the README's test_root.py writes one
    (folder / "square.py").write_text(block_after("README.md", "Put this in a `test_root.py`", "python")
                                      .split("\n\ndef test_")[0] + "\n")
    (folder / "input.json").write_text(INPUT)
    compiled = run(folder, "prozchain", "circuit", "compile", "square.py:Root", "-o", "build").stdout
    size = compiled.split("Root: ")[1].split(" constraints")[0]
    run(folder, "prozchain", "circuit", "witness", "square.py:Root", "input.json", "witness.wtns")
    run(folder, "prozchain", "groth16", "setup", "build/Root.r1cs", "--dev", "circuit.zkey")
    done = run(folder, "prozchain", "bench", "prove", "circuit.zkey", "witness.wtns", "--runs", "1")
    ours = next(line.split() for line in done.stdout.splitlines() if "prozchain-c" in line and "split" not in line)
    assert ours[:3] == ["circuit.zkey", size, "prozchain-c"], done.stdout  # the size, read from the zkey
    report = json.loads((folder / "prove.json").read_text())                # written to the current folder
    assert (folder / "prove.png").stat().st_size > 0
    assert report["options"]["sizes"] is None and report["machine"]["commit"] != "unknown"
    rows = {row["impl"]: row for row in report["rows"]}
    assert rows["prozchain-c"]["constraints"] == int(size) and rows["prozchain-c"]["median_s"] > 0
    assert "[ERROR]" not in done.stdout + done.stderr
