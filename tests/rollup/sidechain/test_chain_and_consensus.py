"""The sidechain's block pipeline and its Tendermint consensus on the harness: safety and
liveness over seeds the tests draw, crash recovery from SQLite, evidence of equivocation."""

from __future__ import annotations

import os
import tempfile

import pytest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from prozchain.rollup.l1 import Key
from prozchain.rollup.sidechain.agents.byzantine import Coalition, Equivocator
from prozchain.rollup.sidechain.errors import InvalidBlock, InvalidMessage, SidechainError
from prozchain.rollup.sidechain.node.chain import ChainState, Genesis, Mempool, ValidatorSet
from prozchain.rollup.sidechain.node.consensus import StaticL1, network
from prozchain.rollup.sidechain.node.messages import PREVOTE, Evidence, Proposal, SignedProposal, Vote
from prozchain.rollup.sim import Simulation
from prozchain.rollup.sim.network import NetworkConfig
from prozchain.rollup.sim.store import SqliteStore
from prozchain.rollup.vm import L2Tx

ALICE, BOB = Key.from_seed(b"alice"), Key.from_seed(b"bob")
KEYS = [Key.from_seed(f"val-{i}".encode()) for i in range(4)]
NO_SHRINK = (Phase.explicit, Phase.generate)


def test_blocks_execute_on_the_vm_and_replay_from_sqlite():
    path = os.path.join(tempfile.mkdtemp(), "chain.sqlite")
    state = ChainState(Genesis({ALICE.address: 100}), SqliteStore(path))
    for nonce in range(3):
        state.commit(state.build(ALICE.address, nonce + 1, [L2Tx(nonce, BOB.address, 10).sign(ALICE).encode()]))
    world = state.world
    state.store.close()
    again = ChainState(Genesis({ALICE.address: 100}), SqliteStore(path))
    assert again.height == 3 and again.world == world and again.ex.balance(world, BOB.address) == 30


def test_a_block_with_a_wrong_root_is_refused_and_nothing_is_stored():
    state = ChainState(Genesis({ALICE.address: 100}))
    block = state.build(ALICE.address, 1, [L2Tx(0, BOB.address, 10).sign(ALICE).encode()])
    from dataclasses import replace
    forged = replace(block, header=replace(block.header, world=bytes(32)))
    with pytest.raises(InvalidBlock, match="re-execution"):
        state.commit(forged)
    assert state.height == 0 and state.store.get("head") is None
    with pytest.raises(InvalidBlock, match="does not extend"):
        state.check(replace(block, header=replace(block.header, height=5)))


def test_mempool_refuses_garbage_and_orders_by_nonce():
    pool = Mempool()
    with pytest.raises(InvalidMessage, match="mempool refuses"):
        pool.add(b"\x01\x02")
    raws = [L2Tx(n, BOB.address, 1).sign(ALICE).encode() for n in (2, 0, 1)]
    assert all(pool.add(r) for r in raws) and not pool.add(raws[0])
    assert [L2Tx.decode(r).nonce for r in pool.select(lambda a: 1, 10)] == [1, 2]
    pool.remove([raws[1]], lambda a: 1)
    assert len(pool.txs) == 2


def test_proposers_rotate_in_proportion_to_stake():
    vs = ValidatorSet([(KEYS[0].address, 3), (KEYS[1].address, 1), (KEYS[2].address, 2)])
    picks = [vs.proposer(h, 0) for h in range(600)]
    assert [picks.count(k.address) for k in KEYS[:3]] == [300, 100, 200]
    assert vs.quorum == 5 and vs.faulty == 1
    with pytest.raises(SidechainError):
        ValidatorSet([(KEYS[0].address, 0)])


def _agree(vals) -> bool:
    shortest = min(v.chain.height for v in vals)
    return all(len({v.chain.headers[h].hash for v in vals}) == 1 for h in range(shortest + 1))


@settings(max_examples=6, deadline=None, database=None, phases=NO_SHRINK)
@given(seed=st.integers(0, 2**63), loss=st.sampled_from([0.0, 0.1, 0.3]),
       cut=st.sets(st.integers(0, 3), min_size=1, max_size=2), crash=st.integers(0, 3))
@example(seed=430, loss=0.0, cut={3}, crash=1)  # a re-proposal needs its proof-of-lock prevotes sent along
def test_safe_under_any_schedule_and_live_after_heal(seed, loss, cut, crash):
    l1 = StaticL1(ValidatorSet([(k.address, 1) for k in KEYS]))
    with Simulation(seed, NetworkConfig(latency_ms=(10, 800), loss=loss)) as sim:
        vals = network(sim, KEYS, Genesis(), l1)
        sim.network.partition_later(2_000, [f"v{i}" for i in cut], 8_000)
        sim.crash(f"v{crash}", 4_000, 5_000)
        sim.run(until=10_000)
        assert _agree(vals), f"seed {seed}"
        healed = max(v.chain.height for v in vals)
        sim.run(until=30_000)
        assert _agree(vals), f"seed {seed}"
        assert min(v.chain.height for v in vals) >= healed + 3, f"seed {seed}: not live after heal"
        assert not l1.reports, f"seed {seed}: an honest validator equivocated"


def test_an_equivocator_is_caught_and_cannot_split_the_honest():
    l1 = StaticL1(ValidatorSet([(k.address, 1) for k in KEYS]))
    payer, shops = Key.from_seed(b"payer"), [Key.from_seed(b"s1"), Key.from_seed(b"s2")]
    spend = tuple(L2Tx(0, s.address, 5).sign(payer).encode() for s in shops)
    coalition = Coalition((["v0"], ["v1", "v2"]), ["v3"], (1_000, 15_000), spend)
    with Simulation(9) as sim:
        vals = network(sim, KEYS[:3], Genesis({payer.address: 6}), l1)
        vals.append(sim.add(Equivocator("v3", sim, KEYS[3], Genesis({payer.address: 6}), ["v0", "v1", "v2", "v3"],
                                        l1, watchers=(), coalition=coalition)))
        for v in vals[:3]:
            v.peers = [p for p in ("v0", "v1", "v2", "v3") if p != v.name]
        sim.network.partition_later(1_000, ["v0"], 14_000)
        sim.run(until=40_000)
    assert coalition.spent and _agree(vals[:3])
    assert {e.validator for e in l1.reports} == {KEYS[3].address}


def test_evidence_needs_two_conflicting_votes_of_one_signer():
    a = Vote.make(KEYS[0], 1, 3, 0, PREVOTE, b"\x01" * 32)
    with pytest.raises(InvalidMessage, match="do not conflict"):
        Evidence(a, Vote.make(KEYS[0], 1, 3, 0, PREVOTE, b"\x01" * 32))
    with pytest.raises(InvalidMessage, match="different signers"):
        Evidence(a, Vote.make(KEYS[1], 1, 3, 0, PREVOTE, None))
    with pytest.raises(InvalidMessage, match="different heights"):
        Evidence(a, Vote.make(KEYS[0], 1, 4, 0, PREVOTE, None))
    with pytest.raises(InvalidMessage, match="not a vote"):
        Vote.decode(b"\xc0")


def test_a_proposer_signing_two_blocks_for_one_round_is_reported():
    l1 = StaticL1(ValidatorSet([(k.address, 1) for k in KEYS]))
    with Simulation(3) as sim:
        vals = network(sim, KEYS, Genesis(), l1)
        sim.run(until=1)
        v = vals[0]
        keys = {k.address: k for k in KEYS}
        proposer = keys[v.vset.proposer(v.h, 7)]
        blocks = [v.chain.build(proposer.address, t, epoch=v.epoch) for t in (5, 6)]
        for block in blocks:
            v.on_message("v1", Proposal.make(proposer, v.epoch, v.h, 7, -1, block))
        v.on_message("v1", Proposal.make(proposer, v.epoch, v.h, 7, -1, blocks[0]))  # a repeat is no evidence
    (evidence,) = l1.reports
    assert evidence.method == "report_proposals" and evidence.validator == proposer.address
    assert [evidence.first.block_hash, evidence.second.block_hash] == [b.hash for b in blocks]
    assert SignedProposal.decode(evidence.first.encode()) == evidence.first
    with pytest.raises(InvalidMessage, match="different heights"):
        Evidence(evidence.first, Vote.make(proposer, 0, v.h, 7, PREVOTE, blocks[1].hash))
