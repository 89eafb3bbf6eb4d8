"""The harness's own scenario, ``l1-crash-restart``: a deposit forwarder that crashes.

Depositors lock ether in an L1 :class:`DepositQueue`. A :class:`Forwarder` reads the queue and
credits each deposit on an L2 :class:`Ledger` over the lossy network (stop-and-wait with
retries; the ledger applies a deposit id once and acknowledges every copy). The forwarder
crashes at random moments and restarts. Its cursor (the next deposit to forward) lives in
SQLite, written before the next deposit is acted on. With ``defense=off`` the cursor lives in
memory, so a restarted forwarder can only start from the chain head, and every deposit queued
while it was down is lost.

>>> from prozchain.rollup.sim.registry import run
>>> run("l1-crash-restart", seed=1).ok
True
"""

from __future__ import annotations

from typing import Any, Optional

from prozchain.rollup.common.units import readable
from prozchain.rollup.l1 import Address, Chain, Contract, Key, external
from prozchain.rollup.sim.agent import Agent
from prozchain.rollup.sim.kit import finish, l1_gas
from prozchain.rollup.sim.network import NetworkConfig
from prozchain.rollup.sim.registry import ScenarioError, ScenarioResult, scenario
from prozchain.rollup.sim.world import Simulation

STEP_MS = 3  # processing time of one forwarder step: crashes can fall between steps
DEPOSIT_GAS = 150_000


class DepositQueue(Contract):
    """L1 escrow: each deposit gets the next index and is kept for the L2 to read."""

    @external(payable=True)
    def deposit(self, recipient: Address) -> int:
        self.require(self.value > 0, "a deposit must carry value")
        index = self.load("count")
        self.store("recipient", index, value=int(recipient, 16))
        self.store("amount", index, value=self.value)
        self.store("count", value=index + 1)
        self.emit("Deposited", index, recipient, data=self.value.to_bytes(32, "big"),
                  args=(index, recipient, self.value))
        return index

    @external
    def count(self) -> int:
        return self.load("count")

    @external
    def deposit_at(self, index: int) -> tuple[str, int]:
        self.require(index < self.load("count"), f"no deposit {index}")
        return f"0x{self.load('recipient', index):040x}", self.load("amount", index)


class Ledger(Agent):
    """The L2 side: applies each deposit id once (durably, atomically), acks every copy."""

    def on_message(self, src: str, message: Any) -> None:
        kind, index, recipient, amount = message
        if self.store.get(f"applied/{index}") is None:
            with self.store.batch():
                self.store.put(f"applied/{index}", [recipient, amount])
                self.store.put(f"balance/{recipient}", self.store.get(f"balance/{recipient}", 0) + amount)
            self.log(f"credited deposit {index}: {amount} to {recipient}")
        self.send(src, ("ack", index))

    def applied(self) -> dict[int, tuple[str, int]]:
        return {int(k.split("/")[1]): tuple(self.store.get(k)) for k in self.store.keys("applied/")}

    def balances(self) -> dict[str, int]:
        return {k.split("/")[1]: self.store.get(k) for k in self.store.keys("balance/")}


class Forwarder(Agent):
    """Forwards queued L1 deposits to the ledger, one at a time, resuming from its cursor."""

    def __init__(self, name: str, sim: Simulation, queue: Address, ledger: str, durable: bool,
                 poll_ms: int = 500, retry_ms: int = 1_000) -> None:
        super().__init__(name, sim, durable)
        self.queue, self.ledger = queue, ledger
        self.poll_ms, self.retry_ms = poll_ms, retry_ms

    def on_start(self) -> None:
        self.in_flight: Any = None
        cursor = self.store.get("cursor")
        if cursor is None:
            # Nothing remembered: the only place a memoryless relayer can start is the head.
            cursor = self.sim.chain.view(self.queue, "count")
            self.store.put("cursor", cursor)
            self.log(f"no stored cursor, starting at the chain head: deposit {cursor}")
        else:
            self.log(f"recovered cursor {cursor} from the store")
        self.cursor = cursor
        self.timer(self.poll_ms, "poll", self.poll)

    def poll(self) -> None:
        self.timer(self.poll_ms, "poll", self.poll)
        self.next_deposit()

    def next_deposit(self) -> None:
        """Start forwarding the deposit at the cursor, if it exists and nothing is in flight."""
        if self.in_flight is None and self.cursor < self.sim.chain.view(self.queue, "count"):
            self.in_flight = self.cursor
            self.timer(STEP_MS, f"read deposit {self.cursor}", lambda: self.forward(self.in_flight))

    def forward(self, index: int) -> None:
        recipient, amount = self.sim.chain.view(self.queue, "deposit_at", index)
        self.send(self.ledger, ("credit", index, recipient, amount))
        self.timer(self.retry_ms, f"retry deposit {index}", lambda: self.retry(index))

    def retry(self, index: int) -> None:
        if self.in_flight == index:
            self.forward(index)

    def on_message(self, src: str, message: Any) -> None:
        kind, index = message
        if index == self.in_flight:
            self.in_flight = "persisting"
            self.timer(STEP_MS, f"persist cursor {index + 1}", lambda: self.advance(index))

    def advance(self, index: int) -> None:
        self.store.put("cursor", index + 1)  # written before the next deposit is acted on
        self.cursor = index + 1
        self.in_flight = None
        self.next_deposit()


def crash_times(rng, count: int, start: int, end: int, downtime: tuple[int, int]) -> list[tuple[int, int]]:
    """``count`` non-overlapping (crash time, downtime) pairs inside ``[start, end)``."""
    slot = (end - start) // max(count, 1)
    if count and slot < downtime[1] + 500:
        raise ScenarioError(f"{count} crashes with downtime up to {downtime[1]} ms do not fit in "
                            f"{end - start} ms; lower crashes or raise deposit_window_s")
    plan = []
    for i in range(count):
        down = rng.randint(*downtime)
        plan.append((start + i * slot + rng.randint(0, slot - down - 500), down))
    return plan


@scenario("l1-crash-restart",
          "a deposit forwarder crashes at random points and restarts from SQLite; "
          "no deposit lost or credited twice (defense=off: memory-only state)",
          defense="on", depositors=4, deposit_window_s=60, settle_s=60, block_time_s=2,
          crashes=3, partitions=2, loss=0.1, duplicate=0.1)
def l1_crash_restart(seed: int, params: dict) -> ScenarioResult:
    window, end = params["deposit_window_s"] * 1000, (params["deposit_window_s"] + params["settle_s"]) * 1000
    network = NetworkConfig(latency_ms=(10, 300), loss=params["loss"], duplicate=params["duplicate"])
    keys = [Key.from_seed(f"depositor-{i}".encode()) for i in range(params["depositors"])]
    operator = Key.from_seed(b"operator")
    chain = Chain({k.address: 10**21 for k in keys + [operator]})
    queue, _ = chain.deploy(operator, DepositQueue)

    with Simulation(seed, network) as sim:
        sched = sim.scheduler
        sim.produce_blocks(chain, params["block_time_s"] * 1000, until=end)
        ledger = sim.add(Ledger("ledger", sim))
        forwarder = sim.add(Forwarder("forwarder", sim, queue, "ledger", durable=params["defense"] == "on"))

        users = sched.rng("depositors")
        # A deposit at most every 3 s and downtimes of at least 6 s: every outage sees deposits.
        t = users.randint(500, 3_000)
        while t < window:
            key = users.choice(keys)
            amount = users.randint(1, 1_000) * 10**15
            sched.at(t, f"{key.address[:10]}: deposit {amount}", lambda key=key, amount=amount: chain.submit(
                chain.build(key, queue, "deposit", key.address, value=amount, gas_limit=DEPOSIT_GAS)))
            t += users.randint(500, 3_000)

        chaos = sched.rng("chaos")
        hits: list[bool] = []  # whether each scheduled crash found the forwarder up and took it down
        for at, down in crash_times(chaos, params["crashes"], 2_000, window - 2_000, (6_000, 9_000)):
            sim.crash("forwarder", at, down)
            sched.at(at + 1, "forwarder down?", lambda: hits.append(not forwarder.up))
        for _ in range(params["partitions"]):
            sim.network.partition_later(chaos.randint(1_000, window), ["forwarder"], chaos.randint(2_000, 8_000))

        sim.run(until=end)
        return _judge(chain, queue, ledger, forwarder, sim, params,
                      attack_attempted=all(hits) and len(hits) == params["crashes"] if params["crashes"] else None)


def _judge(chain: Chain, queue: Address, ledger: Ledger, forwarder: Forwarder, sim: Simulation,
           params: dict, attack_attempted: Optional[bool]) -> ScenarioResult:
    deposits = {log.args[0]: (log.args[1], log.args[2]) for _, log in chain.logs(queue, "Deposited")}
    applied = ledger.applied()
    credited = ledger.balances()
    owed: dict[str, int] = {}
    for recipient, amount in deposits.values():
        owed[recipient] = owed.get(recipient, 0) + amount
    accounts = {r: {"owed": owed[r], "credited": credited.get(r, 0),
                    "lost": max(0, owed[r] - credited.get(r, 0))} for r in sorted(owed)}
    lost = sorted(set(deposits) - set(applied))
    invariants = {
        "no_deposit_lost": not lost,
        "no_double_credit": all(credited.get(r, 0) <= owed.get(r, 0) for r in set(credited) | set(owed)),
        "credits_match_l1": all(deposits.get(i) == tuple(v) for i, v in applied.items()),
        "queue_holds_every_deposit": chain.state.balance(queue) == sum(a for _, a in deposits.values()),
    }
    honest_loss = sum(a["lost"] for a in accounts.values())
    stats = sim.network.stats
    summary = [
        f"{len(deposits)} deposits ({readable(sum(a for _, a in deposits.values()))}) queued on L1 "
        f"in {chain.head.number} blocks",
        f"forwarder crashed {params['crashes']} times, state in "
        f"{'SQLite' if forwarder.durable else 'memory only (defense off)'}; "
        f"{params['partitions']} partitions healed",
        f"network: {stats['sent']} sent, {stats['lost']} lost, {stats['duplicated']} duplicated, "
        f"{stats['blocked']} blocked by partitions or crashes",
        f"L2 ledger credited {len(applied)} of {len(deposits)} deposits; "
        f"lost: {lost if lost else 'none'} ({readable(honest_loss)})",
        f"L1 gas spent: {l1_gas(chain)[0]}",
    ]
    return finish("l1-crash-restart", params, sim, chain, invariants, honest_loss, summary=summary,
                  accounts=accounts, attack_attempted=attack_attempted)
