"""The operator proving on the farm: batches sealed in order here, witnesses solved and proofs
made in parallel on a local dask cluster, batches submitted to L1 in order, a fresh node
agreeing with L1, and the same batches, public inputs, roots and proofs as proving in process."""

from __future__ import annotations

import random

import pytest

from prozchain.bench.demo import funded_rollup
from prozchain.prover.farm import Farm
from prozchain.rollup.zk.node import ZkNode


@pytest.fixture(scope="module")
def farm():
    with Farm(workers=2) as f:
        yield f


def test_batches_proven_on_the_farm_are_submitted_in_order(farm):
    pipeline, batches, ok = funded_rollup(seed=4, slots=1, depth=2, transfer_batches=3, farm=farm)
    assert ok  # the deposit batch went through Pipeline.prove on the farm too
    numbers = []
    for batch, (words, stats) in zip(batches, pipeline.prove_on_farm(batches, farm)):
        assert stats.number == batch.number and stats.prove_s > 0 and stats.witness_s > 0 and stats.inputs_s > 0
        assert pipeline.submit(batch, words).status
        numbers.append(batch.number)
    assert numbers == [1, 2, 3] and not pipeline.sealed
    chain, rollup = pipeline.system.chain, pipeline.system.rollup
    node = ZkNode(chain, rollup, 2)
    node.sync()
    assert node.tree.root == chain.view(rollup, "state").root and node.batches == 4


def test_seeded_blinding_gives_the_same_proofs_on_the_farm(farm):
    words = []
    for _ in range(2):
        pipeline, batches, _ = funded_rollup(seed=5, slots=1, depth=2, transfer_batches=1, farm=farm)
        pipeline.blinding = random.Random(9)
        words.append([w for w, _ in pipeline.prove_on_farm(batches, farm)])
    assert words[0] == words[1]


def test_the_farm_proves_what_the_operator_proves_in_process(farm):
    """Differential: the workers solve each witness from the slots sealing made; the batches,
    public inputs, roots and (under the same blinding) proofs equal the in-process path's."""
    here, batches_here, _ = funded_rollup(seed=6, slots=1, depth=2, transfer_batches=3)
    there, batches_there, _ = funded_rollup(seed=6, slots=1, depth=2, transfer_batches=3, farm=farm)
    there.blinding, seeds = random.Random(3), random.Random(3)
    for a, b, (words, _) in zip(batches_here, batches_there, there.prove_on_farm(batches_there, farm)):
        here.blinding = random.Random(seeds.getrandbits(64))  # what the farm's job was seeded with
        proof, _ = here.prove(a)
        assert (a.number, a.data, a.old_root, a.new_root) == (b.number, b.data, b.old_root, b.new_root)
        assert a.public == b.public and proof == words
        assert here.submit(a, proof).status and there.submit(b, words).status
    states = [p.system.chain.view(p.system.rollup, "state") for p in (here, there)]
    assert states[0].root == states[1].root and here.node.tree.root == there.node.tree.root
