"""The SDK client: the same calls on every layer, one key, each transaction's stages in order
with timestamps, recorded in SQLite that another process reads."""

from __future__ import annotations

import pytest

from prozchain.rollup.sdk.client import Platform
from prozchain.rollup.sdk.errors import SdkError, UnknownTransaction
from prozchain.rollup.sdk.stages import EXECUTED, FINAL, IN_BATCH, POSTED, STAGES, SUBMITTED, StageStore
from prozchain.rollup.sdk.stores import records


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One platform with every layer; alice pays bob on each, withdraws and bridges."""
    db = str(tmp_path_factory.mktemp("sdk") / "stages.db")
    platform = Platform.build(1, db=db)
    alice, bob = platform.client(0), platform.client(1)
    txs = {}
    with platform:
        for layer in ("zk", "optimistic", "sidechain", "channel"):
            alice.wait(alice.deposit(20_000, layer))
        bob.wait(bob.deposit(10, "zk"))  # a ZK account exists once its owner deposited
        for layer in ("l1", "zk", "optimistic", "sidechain", "channel"):
            to = platform.world.hub.address if layer == "channel" else bob.address
            txs[layer] = alice.transfer(to, 1_000, layer)
            alice.wait(txs[layer])
        txs["withdraw"] = alice.withdraw(5_000, "optimistic")
        alice.wait(txs["withdraw"])
        txs["bridge"] = alice.bridge(3_000, "sidechain", "optimistic")
        yield platform, alice, bob, txs, db  # inside the block: leaving it stops the layers' agents


def test_the_same_transfer_on_every_layer(run):
    platform, alice, bob, txs, _ = run
    assert [bob.balance(layer) for layer in ("zk", "optimistic", "sidechain")] == [1_010, 1_000, 1_000]
    assert alice.balance("channel") == 19_000  # paid to the hub, its channel's other party
    assert alice.balance("zk") == 20_000 - 1_000 - platform.world.bridges["zk"].fee
    assert alice.balance("optimistic") == 20_000 - 1_000 - 5_000 + 3_000
    assert alice.balance("sidechain") == 20_000 - 1_000 - 3_000


def test_every_transaction_reaches_final_through_the_stages_in_order(run):
    _, alice, _, txs, _ = run
    for tx in txs.values():
        status = alice.status(tx)
        assert [m.stage for m in status.marks] == list(STAGES), status.lines()
        times = [m.at for m in status.marks]
        assert times == sorted(times) and status.final and not status.failed


def test_stages_say_what_each_layer_did(run):
    _, alice, _, txs, _ = run
    notes = {layer: " ".join(m.note for m in alice.status(txs[layer]).marks) for layer in txs}
    assert "Groth16 proof verified" in notes["zk"]
    assert "window passed" in notes["optimistic"] and "accepted by the sequencer" in notes["optimistic"]
    assert "checkpoint" in notes["sidechain"] and "sidechain block" in notes["sidechain"]
    assert "L1 sees the channel only when it closes" in notes["channel"]
    assert "two epochs" in notes["l1"]
    optimistic = alice.status(txs["optimistic"])  # the window is what takes the time there
    assert optimistic.at(FINAL) - optimistic.at(POSTED) >= 120


def test_another_process_reads_the_store(run):
    _, alice, _, txs, db = run
    other = StageStore(db)
    assert other.get(txs["zk"]) == alice.status(txs["zk"])
    assert {r.tx for r in other.all()} >= set(txs.values())
    with pytest.raises(UnknownTransaction, match="no transaction 0x00"):
        other.get("0x00")


def test_refusals(run):
    platform, alice, bob, _, _ = run
    with pytest.raises(SdkError, match="no open channel"):
        alice.transfer(bob.address, 1, "channel")
    with pytest.raises(SdkError, match="runs no contracts"):
        alice.call(bob.address, 1, layer="zk")
    with pytest.raises(SdkError, match="no layer 'mars'"):
        alice.transfer(bob.address, 1, "mars")
    with pytest.raises(SdkError, match="no layer mars"):
        Platform.build(1, layers=("mars",))


def test_a_call_and_a_subscription_on_l1(run):
    platform, alice, _, _, _ = run
    token = platform.world.fabric.token
    sub = alice.subscribe("l1", token, names=("Transfer",))
    tx = alice.call(token, "transfer", platform.world.users[1].address, 7)
    assert alice.status(tx).marks[0].stage == SUBMITTED and alice.status(tx).current != FINAL
    assert any(u.event.name == "Transfer" for u in sub.poll())


def test_a_transaction_the_layer_refuses(run):
    platform, alice, bob, _, _ = run
    tx = alice.transfer(bob.address, 10**12, "optimistic")  # far above her balance there
    with pytest.raises(SdkError, match="refused it: batch \\d+ skipped it as invalid"):
        alice.wait(tx)
    assert alice.status(tx).failed and StageStore(run[4]).get(tx).failed


def test_the_agents_own_stores_answer(run):
    """The SDK's ids of L2 transactions are the agents' own: the sequencer's and a sidechain
    validator's stores show them, without times; the ZK operator's shows its sealed batches."""
    platform, _, _, txs, _ = run
    sim = platform.world.sim
    sequencer = records(sim.store_path(platform.world.bridges["optimistic"].sequencer))[txs["optimistic"]]
    assert (sequencer.layer, sequencer.current, sequencer.at(EXECUTED)) == ("optimistic", EXECUTED, None)
    validator = records(sim.store_path(platform.world.sidechain.validators[0].name))[txs["sidechain"]]
    assert validator.current == IN_BATCH and "sidechain block" in validator.marks[-1].note
    zk = [r for r in records(sim.store_path("zk-operator")).values() if r.kind == "transfer"]
    assert zk and all(r.layer == "zk" and r.current == IN_BATCH for r in zk)
