"""Scenarios of cross-domain messages (``prozchain scenario run message-...``).

Both run an optimistic rollup (12-second L1 blocks, a 10-minute window here) whose L2 holds the
message bridge contract (:data:`~prozchain.rollup.messages.l2.L2_BRIDGE`): users lock L2 ether
in it, each lock a message telling the L1 vault to release as much to them. The vault starts
with the escrow backing the users' L2 ether, so after every step of the run
``vault balance == escrow - released for honest messages`` (the supply invariant: L1 escrow =
L2 supply outside the bridge + messages in flight). One user's message asks for too little L1
gas: its first execution fails, and a relayer replays it with more.

- ``message-replay``: a chaotic relayer relays messages out of order, relays and replays
  delivered ones, and drops the rest; an honest relayer comes later. Every message must execute
  exactly once, first attempts in nonce order. ``defense=off``: the messenger records no
  delivery, so a replay pays twice.
- ``message-before-finality``: the proposer posts a false output whose world holds a forged
  message from the bridge contract (pay the proposer the whole vault) and relays it at once;
  the honest challenger proves the output invalid. The forged message must never execute.
  ``defense=off``: the messenger accepts a pending output, the vault pays, the supply
  invariant breaks.

>>> from prozchain.rollup.sim.registry import run
>>> result = run("message-replay", seed=1)
>>> result.ok, result.honest_loss, result.invariants["each_message_once"]
(True, 0, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prozchain.rollup.common.units import BLOCK_MS, ETHER, readable
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.messages.agents import ForgingProposer, Relayer
from prozchain.rollup.messages.contracts.messenger import ALL_CHECKS, CHECK_DELIVERY, CHECK_FINALITY, OPTIMISTIC
from prozchain.rollup.messages.index import SentMessage, index_batch
from prozchain.rollup.messages.l2 import L2_BRIDGE
from prozchain.rollup.messages.system import Route, deploy_route, l2_genesis
from prozchain.rollup.optimistic import system as optimistic
from prozchain.rollup.optimistic.agents import Challenger, Proposer, Sequencer, Wallet
from prozchain.rollup.optimistic.contracts.outputs import DELETED
from prozchain.rollup.optimistic.node import L2Node
from prozchain.rollup.sim import kit
from prozchain.rollup.sim.network import NetworkConfig
from prozchain.rollup.sim.registry import ScenarioResult, scenario
from prozchain.rollup.sim.world import Simulation
from prozchain.rollup.vm.state import addr_int
from prozchain.rollup.vm.tx import L2Tx

COMMON = dict(users=3, messages=2, window_s=600, clock_s=120, loss=0.05)
LOW_GAS, MESSAGE_GAS = 3_000, 80_000


@dataclass(kw_only=True)
class Run(kit.Run):
    rollup: optimistic.System
    route: Route
    users: list[Key]
    keys: dict[str, Key]
    escrow: int
    locks: dict[bytes, tuple[str, int]] = field(default_factory=dict)
    activity_end: int = 0


def build(seed: int, params: dict, defence: int) -> Run:
    """The world and the users' locks, with the messenger's ``defence`` check off if
    ``params["defense"]`` says so; agents other than the wallet and sequencer are added by the
    scenario."""
    checks = ALL_CHECKS if params["defense"] == "on" else ALL_CHECKS & ~defence
    sim = Simulation(seed, NetworkConfig(latency_ms=(10, 400), loss=params["loss"], duplicate=0.05))
    users = [Key.from_seed(f"user-{i}".encode()) for i in range(params["users"])]
    keys = {n: Key.from_seed(n.encode()) for n in
            ("deployer", "sequencer", "proposer", "challenger", "wallet", "relayer", "chaos")}
    chain = Chain({k.address: 100 * ETHER for k in users + list(keys.values())})
    config = optimistic.Config(window=params["window_s"], clock=params["clock_s"])
    rollup = optimistic.deploy(chain, keys["deployer"], keys["sequencer"].address,
                               l2_genesis({u.address: ETHER for u in users}), config)
    escrow = ETHER * len(users)
    route = deploy_route(chain, keys["deployer"], OPTIMISTIC, rollup.outputs, escrow, checks=checks)
    run = Run(sim=sim, params=params, chain=chain, rollup=rollup, route=route, users=users, keys=keys, escrow=escrow)
    sim.produce_blocks(chain, BLOCK_MS, until=10**12)
    run.agents["wallet"] = sim.add(Wallet("wallet", sim, rollup, keys["wallet"], poll_ms=BLOCK_MS))
    run.agents["sequencer"] = sim.add(Sequencer("sequencer", sim, rollup, keys["sequencer"], poll_ms=BLOCK_MS))
    _plan(run, sim.scheduler.rng("users"))
    return run


def _plan(run: Run, rng) -> None:
    sched, vault = run.sim.scheduler, addr_int(run.route.vault)
    for i, user in enumerate(run.users):
        for n in range(run.params["messages"]):
            amount = rng.randint(1, 30) * ETHER // 100
            gas = LOW_GAS if (i, n) == (0, 0) else MESSAGE_GAS
            raw = L2Tx(n, L2_BRIDGE, amount, (1, vault, addr_int(user.address), gas), gas_limit=200_000) \
                .sign(user).encode()
            run.locks[raw] = (user.address, amount)
            sched.at(10_000 + 30_000 * n + rng.randint(0, 20_000), f"{user.address[:10]}: lock {n}",
                     lambda raw=raw: run.agents["wallet"].send_l2(raw))
    run.activity_end = 10_000 + 30_000 * run.params["messages"] + 20_000


def add_rollup_agents(run: Run, proposer: type = Proposer, **proposer_args) -> None:
    sim, keys = run.sim, run.keys
    run.agents["proposer"] = sim.add(proposer("proposer", sim, run.rollup, keys["proposer"], poll_ms=BLOCK_MS,
                                              **proposer_args))
    run.agents["challenger"] = sim.add(Challenger("challenger", sim, run.rollup, keys["challenger"], poll_ms=BLOCK_MS))


def add_relayer(run: Run, name: str, **options) -> Relayer:
    return run.sim.add(Relayer(name, run.sim, run.rollup, run.keys[name], poll_ms=BLOCK_MS, route=run.route,
                               **options))


def final_time(run: Run) -> int:
    """When every batch of the activity is final if the rules hold."""
    config = run.rollup.config
    return run.activity_end + 120_000 + 1_000 * (config.window + 2 * config.clock)


def judge(run: Run, name: str, extra: dict[str, bool], notes: tuple[str, ...] = (),
          attack_attempted: bool | None = None) -> ScenarioResult:
    chain, route = run.chain, run.route
    node = L2Node(chain, run.rollup.portal, run.rollup.genesis)
    node.sync()
    sent: list[SentMessage] = [m for b in node.batches for m in index_batch(node.ex, b.trace).messages]
    honest = {route.message(m).hash: m for m in sent}
    relayed = [log.args for _, log in chain.logs(route.messenger, "Relayed")]
    delivered: dict[bytes, int] = {}
    for h, _, _, ok, _ in relayed:
        delivered[h] = delivered.get(h, 0) + ok
    released = sum(m.data[1] for h, m in honest.items() if delivered.get(h))
    vault = chain.state.balance(route.vault)
    shortfall = max(0, run.escrow - released - vault)
    first_attempts: dict[str, list[int]] = {}
    seen = set()
    for _, sender, nonce, _, _ in relayed:
        if (sender, nonce) not in seen:
            seen.add((sender, nonce))
            first_attempts.setdefault(sender, []).append(nonce)
    locked = {raw for b in node.batches for raw in (b.txs[i] for i in b.applied)}
    accounts: dict[str, dict[str, int]] = {}
    for raw, (user, amount) in run.locks.items():
        entry = accounts.setdefault(user, {"locked_on_l2": 0, "released_on_l1": 0})
        entry["locked_on_l2"] += amount if raw in locked else 0
    for _, log in chain.logs(route.vault, "Released"):
        recipient, amount = log.args
        accounts.setdefault(recipient, {"locked_on_l2": 0, "released_on_l1": 0})["released_on_l1"] += amount
    invariants = {
        "each_message_once": all(delivered.get(h, 0) <= 1 for h in honest),
        "only_l2_messages_execute": all(h in honest for h, n in delivered.items() if n),
        "first_attempts_in_nonce_order": all(nonces == sorted(nonces) for nonces in first_attempts.values()),
        "every_message_delivered": bool(honest) and all(delivered.get(h) == 1 for h in honest),
        "escrow_backs_l2_supply": vault == run.escrow - released,
        **extra,
    }
    failed_first = sum(1 for h, _, _, ok, _ in relayed if not ok)
    summary = [f"{len(node.batches)} batches, {len(sent)} messages sent on L2, {len(relayed)} executions on L1 "
               f"({failed_first} failed), {sum(delivered.values())} successful",
               f"vault: escrow {readable(run.escrow)}, released for L2 messages {readable(released)}, "
               f"holds {readable(vault)}", *notes]
    return run.finish(name, invariants, shortfall, summary=summary, accounts=accounts,
                      attack_attempted=attack_attempted)


@scenario("message-replay", "a relayer replays, reorders and drops L2-to-L1 messages; each executes once",
          defense="on", actions=16, **COMMON)
def message_replay(seed: int, params: dict) -> ScenarioResult:
    run = build(seed, params, CHECK_DELIVERY)
    with run.sim:
        add_rollup_agents(run)
        run.agents["chaos"] = add_relayer(run, "chaos", mode="chaos", actions=params["actions"])
        honest_start = final_time(run) + 2 * BLOCK_MS * params["actions"]
        run.agents["relayer"] = add_relayer(run, "relayer", start_ms=honest_start)
        run.sim.run(until=honest_start + 40 * BLOCK_MS * params["users"] * params["messages"])
        chaos = [r for b in run.chain.blocks for tx, r in zip(b.transactions, b.receipts)
                 if tx.sender == run.keys["chaos"].address]
        notes = (f"chaotic relayer: {len(chaos)} transactions, {sum(not r.status for r in chaos)} refused",)
        return judge(run, "message-replay", {}, notes, attack_attempted=len(chaos) > 0)


@scenario("message-before-finality", "a message from an output later proven invalid never executes",
          defense="on", lie_from=1, **COMMON)
def message_before_finality(seed: int, params: dict) -> ScenarioResult:
    run = build(seed, params, CHECK_FINALITY)
    with run.sim:
        add_rollup_agents(run, ForgingProposer, route=run.route, lie_from=params["lie_from"])
        run.agents["relayer"] = add_relayer(run, "relayer")
        run.sim.run(until=final_time(run) + 40 * BLOCK_MS * params["users"] * params["messages"])
        forger = run.agents["proposer"]
        lie = forger.store.get("lie")
        false_deleted = lie is not None and any(
            run.chain.view(run.rollup.outputs, "proposal", pid).status == DELETED
            for pid, batch, _, who, _ in (log.args for _, log in run.chain.logs(run.rollup.outputs, "Proposed"))
            if batch == lie["batch"] and who == forger.address)
        notes = (f"forged message relayed by the proposer: {'yes' if forger.store.get('attempted') else 'no'}; "
                 f"false output deleted: {'yes' if false_deleted else 'no'}",)
        return judge(run, "message-before-finality", {"false_output_deleted": false_deleted}, notes,
                     attack_attempted=bool(forger.store.get("attempted")))
