"""``make demo``'s rollup part, at the tests' circuit size (the demo itself runs 4-slot batches)."""

from __future__ import annotations

from prozchain.bench.demo import rollup_demo


def test_the_demo_rollup_proves_every_batch():
    stats, overlapped_s, ok = rollup_demo(seed=3, slots=2, depth=8, transfer_batches=2)
    assert ok and overlapped_s > 0
    assert [s.txs for s in stats] == [2, 2, 2]
    assert all(s.verify_gas > 181_000 and s.prove_s > 0 and s.witness_s > 0 for s in stats)
    assert all(s.data_bytes == 2 * 21 for s in stats[1:])   # two transfers of 21 bytes each
