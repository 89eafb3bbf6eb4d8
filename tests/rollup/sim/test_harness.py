"""Scheduler, network and store behave as the harness promises."""

from __future__ import annotations

import os

import pytest

from prozchain.rollup.sim import Agent, NetworkConfig, Scheduler, Simulation
from prozchain.rollup.sim.store import MemoryStore, SqliteStore


def test_scheduler_orders_by_time_then_insertion():
    s = Scheduler(seed=0)
    order = []
    for label, delay in [("c", 5), ("a", 1), ("d", 5), ("b", 3)]:
        s.after(delay, label, lambda label=label: order.append(label))
    s.run(until=100)
    assert order == ["a", "b", "c", "d"] and s.steps == 4 and s.now == 100


def test_named_random_streams_are_reproducible_and_independent():
    a, b = Scheduler(seed=9), Scheduler(seed=9)
    b.rng("other").random()  # drawing from another stream must not shift this one
    assert [a.rng("net").random() for _ in range(3)] == [b.rng("net").random() for _ in range(3)]
    assert Scheduler(seed=10).rng("net").random() != Scheduler(seed=9).rng("net").random()


class Echo(Agent):
    def on_start(self) -> None:
        self.seen = []

    def on_message(self, src, message) -> None:
        self.seen.append(message)


def run_network(seed: int, config: NetworkConfig, partition: bool = False) -> tuple[list, dict]:
    """Send 400 numbered messages, one every 10 ms; optionally cut the receiver off 1 s - 3 s."""
    with Simulation(seed, config) as sim:
        receiver = sim.add(Echo("rx", sim))
        sim.add(Echo("tx", sim))
        if partition:
            sim.network.partition_later(1_000, ["rx"], 2_000)
        for i in range(400):
            sim.scheduler.at(10 * i, "send", lambda i=i: sim.network.send("tx", "rx", i))
        sim.run(until=10_000)
        return receiver.seen, dict(sim.network.stats)


def test_network_loses_duplicates_and_reorders():
    seen, stats = run_network(4, NetworkConfig(latency_ms=(10, 500), loss=0.2, duplicate=0.2))
    assert stats["lost"] > 10 and stats["duplicated"] > 10
    assert len(seen) == 400 - stats["lost"] + stats["duplicated"]
    assert seen != sorted(seen)  # messages overtook each other
    assert len(set(seen)) < 400


def test_partition_blocks_then_heals():
    seen, stats = run_network(4, NetworkConfig(loss=0.0, duplicate=0.0), partition=True)
    assert stats["blocked"] > 0
    # Messages sent while cut off (100 to 300: the heal at 3 s runs after the
    # send scheduled for the same moment) never arrive; those after healing do.
    assert not any(100 <= m <= 300 for m in seen) and set(range(301, 400)) <= set(seen) and 0 in seen


def test_crashed_agent_gets_nothing_and_restarts_with_fresh_memory():
    with Simulation(seed=1, network=NetworkConfig(loss=0.0, duplicate=0.0, latency_ms=(5, 5))) as sim:
        rx = sim.add(Echo("rx", sim))
        sim.add(Echo("tx", sim))
        sim.crash("rx", at=100, downtime=100)
        for t in (50, 150, 250):
            sim.scheduler.at(t, "send", lambda t=t: sim.network.send("tx", "rx", t))
        sim.run(until=1_000)
        assert rx.seen == [250] and rx.incarnation == 2


@pytest.mark.parametrize("durable", [True, False])
def test_store_survives_crash_only_when_durable(durable):
    with Simulation(seed=2) as sim:
        agent = sim.add(Echo("a", sim, durable=durable))
        sim.run(until=1)
        with agent.store.batch():
            agent.store.put("cursor", 7)
            agent.store.put("seen/1", [1, "x"])
        sim.crash("a", at=5, downtime=5)
        sim.run(until=20)
        assert agent.store.get("cursor") == (7 if durable else None)
        assert agent.store.keys("seen/") == (["seen/1"] if durable else [])


@pytest.mark.parametrize("make", [MemoryStore, lambda: SqliteStore(":memory:")])
def test_failed_batch_writes_nothing(make):
    store = make()
    store.put("a", 1)
    with pytest.raises(RuntimeError):
        with store.batch():
            store.put("a", 2)
            store.put("b", 3)
            raise RuntimeError("crash inside the batch")
    assert store.get("a") == 1 and store.get("b") is None


def test_sqlite_files_are_removed_after_the_run():
    with Simulation(seed=3) as sim:
        sim.add(Echo("a", sim))
        sim.run(until=1)
        directory = sim._dir.name
        assert os.listdir(directory)
    assert not os.path.exists(directory)
