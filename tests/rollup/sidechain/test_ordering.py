"""The sidechain's ordering policy, first come first served, judged block by block on L1: a
validator receipts arrivals, its mempool hands them out in that order, and a block whose
proposer posts two receipted transactions the later first is proven from the checkpoint's
header and the block's transactions, and the proposer slashed through the staking contract."""

from __future__ import annotations

from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from prozchain.rollup.common.units import ETHER
from prozchain.rollup.economics.bonds import BURN, conserved, history
from prozchain.rollup.economics.ordering import ArrivalReceipt, issue_receipt
from prozchain.rollup.l1 import Key
from prozchain.rollup.sidechain.contracts.modes import STAKING
from prozchain.rollup.sidechain.node.chain import ChainState, Genesis, Mempool, ValidatorSet
from prozchain.rollup.sidechain.node.checkpoint import Checkpoint, order_dispute_args
from prozchain.rollup.sidechain.node.consensus import StaticL1, network
from prozchain.rollup.sidechain.system import Config, build
from prozchain.rollup.sim import Simulation, registry
from prozchain.rollup.sim.agent import Agent
from prozchain.rollup.sim.network import NetworkConfig
from prozchain.rollup.sim.store import MemoryStore
from prozchain.rollup.vm import L2Tx
from prozchain.rollup.vm.merkle import keccak

USERS = [Key.from_seed(f"order-user-{i}".encode()) for i in range(3)]


def receipted(store: MemoryStore, proposer: Key, bridge: str, raws: list[bytes]) -> list[tuple[ArrivalReceipt, list]]:
    out = []
    for raw in raws:
        tx = L2Tx.decode(raw)
        entry = issue_receipt(store, proposer, bridge, keccak(raw), tx.gas_price, 0, tx.sender, tx.nonce)
        out.append((ArrivalReceipt.from_json(entry["receipt"]), entry["signature"]))
    return out


def checkpointed(system, txs: list[bytes]):
    """Block 1, proposed by validator 0 with ``txs`` in this order, checkpointed on L1."""
    node = ChainState(system.genesis)
    proposer = system.validator_keys[0]
    node.commit(node.build(proposer.address, 1, txs))
    cp = Checkpoint.cover(1, node.headers[1:], 1)
    sigs = [cp.sign(k) for k in system.validator_keys]
    headers = [h.encode() for h in node.headers[1:]]
    keeper = system.keys["keeper"]
    assert system.chain.transact(keeper, system.bridge, "submit_checkpoint", *cp.args(), headers, sigs,
                                 system.client, gas_limit=3_000_000).status
    return node


def test_the_mempool_keeps_arrival_order_within_nonce_turns():
    pool = Mempool()
    a, b, c = USERS
    raws = [L2Tx(0, b.address, 1).sign(a).encode(), L2Tx(0, c.address, 1).sign(b).encode(),
            L2Tx(1, c.address, 1).sign(a).encode()]
    for raw in raws:
        pool.add(raw)
    assert pool.select(lambda sender: 0, 10) == raws  # not by sender: a's second stays last


def test_a_block_against_its_proposers_receipts_is_slashed_with_the_reason():
    system = build(1, Config(mode=STAKING, window=30))
    chain, bridge, proposer = system.chain, system.bridge, system.validator_keys[0]
    first, second = (L2Tx(0, USERS[1].address, 1).sign(USERS[0]).encode(),
                     L2Tx(0, USERS[2].address, 1).sign(USERS[1]).encode())
    receipts = receipted(MemoryStore(), proposer, bridge, [first, second])
    node = checkpointed(system, [second, first])  # the later arrival first
    claimant = system.keys["keeper"]
    args = order_dispute_args(1, node.headers[1:], 0, node.blocks[1], receipts)
    before = chain.view(system.staking, "stake", proposer.address)
    slashed = chain.transact(claimant, bridge, "dispute_order", *args, gas_limit=3_000_000)
    assert slashed.status, slashed.error
    assert slashed.return_value > 0 and chain.view(system.staking, "stake", proposer.address)[2] == 1  # jailed
    cuts = [e for e in history(chain, system.ledger) if e.action == "slash"]
    assert {e.party for e in cuts} == {claimant.address, BURN} and sum(e.amount for e in cuts) == slashed.return_value
    assert all(e.reason.startswith("reordered against its receipts") for e in cuts)
    assert conserved(chain, system.ledger) and before[0] > chain.view(system.staking, "stake", proposer.address)[0]
    again = chain.transact(claimant, bridge, "dispute_order", *args, gas_limit=3_000_000)
    assert not again.status and "already slashed" in again.error


def test_a_block_in_arrival_order_and_foreign_receipts_are_no_proof():
    system = build(2, Config(mode=STAKING, window=30))
    chain, bridge, proposer = system.chain, system.bridge, system.validator_keys[0]
    first, second = (L2Tx(0, USERS[1].address, 1).sign(USERS[0]).encode(),
                     L2Tx(0, USERS[2].address, 1).sign(USERS[1]).encode())
    keeper = system.keys["keeper"]
    kept = checkpointed(system, [first, second])
    honest = order_dispute_args(1, kept.headers[1:], 0, kept.blocks[1],
                                receipted(MemoryStore(), proposer, bridge, [first, second]))
    refused = chain.transact(keeper, bridge, "dispute_order", *honest, gas_limit=3_000_000)
    assert not refused.status and "in arrival order" in refused.error
    other = order_dispute_args(1, kept.headers[1:], 0, kept.blocks[1],
                               receipted(MemoryStore(), system.validator_keys[1], bridge, [second, first]))
    foreign = chain.transact(keeper, bridge, "dispute_order", *other, gas_limit=3_000_000)
    assert not foreign.status and "not the block's proposer's" in foreign.error
    wrong_leaves = (*honest[:-1], list(reversed(honest[-1])))
    assert "not the block's transactions" in chain.transact(keeper, bridge, "dispute_order", *wrong_leaves,
                                                           gas_limit=3_000_000).error


class User(Agent):
    """Sends transactions to every validator and keeps the receipts they answer with."""

    def on_start(self) -> None:
        self.receipts: list[tuple[str, ArrivalReceipt, list]] = []

    def on_message(self, src: str, message) -> None:
        kind, receipt, signature = message
        self.receipts.append((src, ArrivalReceipt.from_json(receipt), signature))


def test_validators_receipt_in_turn_and_blocks_keep_their_proposers_arrival_order():
    keys = [Key.from_seed(bytes([i])) for i in range(4)]
    gate = "0x" + "ab" * 20
    with Simulation(3, NetworkConfig(latency_ms=(10, 100), loss=0.0, duplicate=0.0)) as sim:
        vals = network(sim, keys, Genesis({u.address: 100 for u in USERS}), StaticL1(ValidatorSet([(k.address, 1) for k in keys])),
                       receipts_under=gate)
        user = sim.add(User("user", sim, durable=False))
        a, b = USERS[:2]
        early = L2Tx(1, b.address, 1).sign(a).encode()  # ahead of its sender's turn: no receipt
        txs = [L2Tx(0, b.address, 1).sign(a).encode(), L2Tx(0, a.address, 1).sign(b).encode()]
        for at, raw in ((100, early), (2_000, txs[0]), (4_000, txs[1]), (6_000, early)):
            for v in vals:
                sim.scheduler.at(at, "user sends", lambda v=v, raw=raw: user.send(v.name, raw))
        sim.run(until=20_000)
        by_validator = {}
        for src, receipt, signature in user.receipts:
            assert receipt.signer(signature) == vals[int(src[1:])].key.address and receipt.gate == gate
            by_validator.setdefault(src, []).append(receipt.tx_hash)
        assert all(hashes == [keccak(r) for r in (*txs, early)] for hashes in by_validator.values())
        assert len(by_validator) == 4
        posted = [raw for h in range(1, vals[0].chain.height + 1) for raw in vals[0].chain.blocks[h].txs]
        assert posted == [*txs, early]


@settings(max_examples=3, deadline=None, database=None, phases=(Phase.explicit, Phase.generate))
@given(seed=st.integers(0, 2**63))
def test_sidechain_mev_reorder_is_slashed_on_any_seed_and_profits_without_its_defence(seed):
    held = registry.run("sidechain-mev-reorder", seed)
    assert held.ok and held.honest_loss == 0 and held.attack_attempted, (seed, held.summary)
    off = registry.run("sidechain-mev-reorder", seed, {"defense": "off"})
    assert not off.ok and off.honest_loss == ETHER // 10 and off.invariants["reorder_detected"], (seed, off.summary)
