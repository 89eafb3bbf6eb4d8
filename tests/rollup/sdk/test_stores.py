"""What the agents' own stores show, row shapes as the agents write them: an optimistic
wallet's sent transactions, a ZK operator's mempool and sealed batches, a channel party's latest
co-signed state; the furthest stage wins, and reading never writes."""

from __future__ import annotations

import os

from prozchain.rollup.channels.state import State
from prozchain.rollup.sdk.stages import EXECUTED, FINAL, IN_BATCH, SUBMITTED
from prozchain.rollup.sdk.stores import records, tx_hash, zk_tx_hash
from prozchain.rollup.sim.store import SqliteStore


def store_with(path, rows: dict) -> str:
    store = SqliteStore(str(path))
    for key, value in rows.items():
        store.put(key, value)
    store.close()
    return str(path)


def test_a_wallet_shows_sent_and_acknowledged(tmp_path):
    sent, acked = bytes.fromhex("01aa"), bytes.fromhex("02bb")
    found = records(store_with(tmp_path / "wallet.sqlite", {f"sent/{sent.hex()}": {"acked": False, "withdrawal": None},
                                                             f"sent/{acked.hex()}": {"acked": True, "withdrawal": None}}))
    assert found[tx_hash(sent)].current == SUBMITTED and found[tx_hash(acked)].current == EXECUTED
    assert found[tx_hash(acked)].marks[-1].note == "acknowledged by the sequencer"


def test_a_zk_operator_shows_its_mempool_and_batches(tmp_path):
    waiting = {"type": "transfer", "fields": {"from": 1, "to": 2, "amount": 5}, "nonces": [0]}
    sealed = {"type": "transfer", "fields": {"from": 1, "to": 2, "amount": 7}, "nonces": [1]}
    noop = {"type": "noop", "fields": {}, "nonces": []}
    batch = {"number": 4, "txs": [sealed, noop], "old_root": "1", "new_root": "2", "version": 1}
    found = records(store_with(tmp_path / "zk-operator.sqlite", {"mempool": [[0, waiting], [1, sealed]],
                                                                  "batch/00000004": batch}))
    assert found[zk_tx_hash(waiting)].current == EXECUTED
    assert found[zk_tx_hash(sealed)].current == IN_BATCH  # the furthest the store shows
    assert "batch 4" in found[zk_tx_hash(sealed)].marks[-1].note and zk_tx_hash(noop) not in found


def test_a_channel_party_shows_its_latest_state(tmp_path):
    state = State("0x" + "11" * 20, 1337, 3, 2, 60, 40)
    found = records(store_with(tmp_path / "alice.sqlite", {"ch/3/cosigned": [state.encode().hex(), ""]}))
    record = found[tx_hash(state.encode())]
    assert (record.layer, record.current, record.at(FINAL)) == ("channel", FINAL, None)


def test_reading_writes_nothing(tmp_path):
    assert records(str(tmp_path / "absent.sqlite")) == {} and not os.path.exists(tmp_path / "absent.sqlite")
