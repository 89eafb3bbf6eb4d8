"""Journey 2, adding a transaction type (docs/zk-rollup.md, "Adding a transaction type"):
``prozchain circuit new-txtype NAME`` writes the type and its test, which ``pytest`` runs green
as written in the user's folder: registration, a batch proven and verified on the reference L1,
a replay refused, a node rebuilt from L1 data."""

from __future__ import annotations

from tests.journeys.conftest import run


def test_a_scaffolded_type_passes_its_own_test(folder):
    run(folder, "prozchain", "circuit", "new-txtype", "tip")
    assert (folder / "tip.py").exists() and (folder / "test_tip.py").exists()
    done = run(folder, "pytest", "-q", "test_tip.py")
    assert "1 passed" in done.stdout
