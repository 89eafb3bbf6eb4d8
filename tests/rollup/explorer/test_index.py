"""The explorer's index and recorder without a browser: watching a run changes nothing in it,
the index is rebuilt the same from the same seed, and a file that is no index is refused."""

from __future__ import annotations

import pytest

from prozchain.rollup.explorer.index import Index, IndexError_, Tx
from prozchain.rollup.explorer.record import Recorder
from prozchain.rollup.sim.registry import run
from prozchain.rollup.sim.store import SqliteStore, read_rows


def comparable(result):
    doc = result.to_json()
    doc.pop("wall_time_s")
    return doc


def test_recording_changes_nothing_in_the_run(tmp_path):
    recorded = Recorder(Index(str(tmp_path / "a.sqlite"))).record("l1-crash-restart", seed=3)
    assert comparable(recorded) == comparable(run("l1-crash-restart", seed=3))


def test_the_index_is_rebuilt_the_same(tmp_path):
    rows = []
    for name in ("a", "b"):
        index = Index(str(tmp_path / f"{name}.sqlite"))
        Recorder(index).record("l1-crash-restart", seed=4)
        rows.append((index.blocks("l1", limit=10_000), index.txs("l1", limit=10_000), index.events()))
    assert rows[0] == rows[1] and rows[0][1]


def test_a_file_that_is_no_index_is_refused(tmp_path):
    (tmp_path / "junk").write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(IndexError_, match="junk"):
        Index(str(tmp_path / "junk"), read_only=True)
    SqliteStore(str(tmp_path / "agent.sqlite")).close()  # an SQLite file, but an agent's store
    with pytest.raises(IndexError_, match="no explorer tables"):
        Index(str(tmp_path / "agent.sqlite"), read_only=True)


def test_search_takes_text_literally(tmp_path):
    index = Index(str(tmp_path / "i.sqlite"))
    index.put_txs([Tx("0xab_%", "l1", 0, 1, "0xaa", "0xbb", "", "0", "", "ok", 0, {}),
                   Tx("0xabcd", "l1", 0, 1, "0xaa", "0xbb", "", "0", "", "ok", 0, {})])
    assert [t.hash for t in index.search("0xab_")] == ["0xab_%"]
    assert len(index.search("0XAB")) == 2 and index.search("   ") == []


def test_read_rows_never_creates_a_store(tmp_path):
    assert read_rows(str(tmp_path / "absent.sqlite")) == {}
    assert not (tmp_path / "absent.sqlite").exists()
    store = SqliteStore(str(tmp_path / "s.sqlite"))
    store.put("batch/1", {"n": 1})
    store.put("cursor", 2)
    assert read_rows(str(tmp_path / "s.sqlite"), "batch/") == {"batch/1": {"n": 1}}


def test_the_recorder_records_an_sdk_platform_itself(tmp_path):
    """A platform recorded while it runs: its L1 and agents are indexed as a scenario's, and the
    SDK's transactions with their stages show on the stages page and in the search without a
    ``--stages`` file."""
    from prozchain.rollup.explorer.app import create_app
    from prozchain.rollup.sdk.client import Platform

    index = Index(str(tmp_path / "explorer.sqlite"))
    platform = Platform.build(2, layers=("sidechain",))
    alice, bob = platform.client(0), platform.client(1)
    with Recorder(index).recording(platform, "sdk on the sidechain"):
        alice.wait(alice.deposit(3_000, "sidechain"))
        tx = alice.transfer(bob.address, 1_000, "sidechain")
        alice.wait(tx)
    recorded = {r.tx: r for r in index.stages()}
    assert recorded[tx].final and recorded[tx] == platform.stages.get(tx)
    assert index.meta()["done"] and index.counts()["sidechain"]["txs"] >= 1
    assert tx in {t.hash for t in index.search(tx)}  # the validators' blocks hold it under the SDK's id
    pages = create_app(index.path).test_client()
    assert tx in pages.get("/stages").get_data(as_text=True)
    assert "Its stages (SDK)" in pages.get(f"/search?q={tx}").get_data(as_text=True)
