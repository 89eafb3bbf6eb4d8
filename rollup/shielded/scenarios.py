"""Scenarios of the shielded pool (``prozchain scenario run shielded-...``), with real Groth16
join-split proofs.

The world: an L1 with 12-second blocks, a ZK rollup (where withdrawals from the pool land, as
deposits queued for the rollup's public accounts; no rollup batch is proven here) and the pool
beside it (:mod:`prozchain.rollup.shielded.system`), honest users alice and bob and an attacker,
mallory, each a wallet agent scanning the pool for its notes. Alice and bob deposit, alice pays
bob privately, and at the end both withdraw everything into their rollup accounts. Amounts are
in L2 units (1 gwei); ``honest_loss`` is in wei.

>>> from prozchain.rollup.sim.registry import all_scenarios
>>> sorted(name for name in all_scenarios() if name.startswith("shielded-"))
['shielded-double-spend']
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from prozchain.circuits.gadgets.babyjub import Point
from prozchain.circuits.gadgets.eddsa import public_key
from prozchain.circuits.txtypes import BatchCircuit
from prozchain.prover.groth16.simulate import toy_key_and_proof
from prozchain.rollup.common.units import BLOCK_MS, ETHER, Unit, readable
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.shielded.agents import GAS_LIMIT, Wallet, WalletAgent
from prozchain.rollup.shielded.notes import NoteKey
from prozchain.rollup.shielded.system import Pool, circuit_and_key, deploy
from prozchain.rollup.sim import kit
from prozchain.rollup.sim.registry import ScenarioResult, scenario
from prozchain.rollup.sim.world import Simulation
from prozchain.rollup.zk.system import L2_UNIT, UNIT
from prozchain.rollup.zk.system import deploy as deploy_rollup

HONEST = ("alice", "bob")
POLL_MS = BLOCK_MS


@dataclass(kw_only=True)
class Run(kit.Run):
    """A pool, its users' L1 keys and rollup keys, and the judge's view block by block."""

    pool: Pool
    l1: dict[str, Key]
    rollup_keys: dict[str, Point]
    backed: list[bool] = field(default_factory=list)
    account_unit: Unit = L2_UNIT


def build(seed: int, params: dict) -> Run:
    sim = Simulation(seed)
    names = HONEST + ("mallory",)
    l1 = {name: Key.from_seed(f"shielded-{name}".encode()) for name in names + ("deployer",)}
    chain = Chain({k.address: 100 * ETHER for k in l1.values()})
    rollup = deploy_rollup(chain, l1["deployer"], l1["deployer"], BatchCircuit(slots=2, depth=8),
                           toy_key_and_proof()[0]).rollup
    _, zkey = circuit_and_key()
    pool = deploy(chain, l1["deployer"], zkey.verification_key(), rollup,
                  records_nullifiers=params["defense"] == "on")
    sim.produce_blocks(chain, BLOCK_MS, until=10**12)
    return Run(sim=sim, params=params, chain=chain, pool=pool, l1=l1,
               rollup_keys={n: public_key(f"shielded-l2-{n}".encode().ljust(32, b".")) for n in names})


def add_wallet(run: Run, name: str, plan: list[tuple]) -> WalletAgent:
    compiled, zkey = circuit_and_key(run.pool.depth)
    wallet = Wallet(NoteKey.from_seed(name.encode()), run.pool, compiled, zkey, run.sim.scheduler.rng(name))
    run.agents[name] = run.sim.add(WalletAgent(name, run.sim, wallet, run.l1[name], plan, POLL_MS))
    return run.agents[name]


def withdrawn(run: Run, name: str) -> int:
    """Units the pool paid into ``name``'s rollup account (the rollup's queued deposits)."""
    key = run.rollup_keys[name]
    return sum(log.args[2] for _, log in run.chain.logs(run.pool.rollup, "Deposited")
               if (log.args[3], log.args[4]) == key and log.args[5] == run.pool.pool)


def pool_backs_notes(run: Run) -> bool:
    """The pool holds at least the value of every unspent note its users' wallets know."""
    notes = sum(agent.wallet.balance for agent in run.agents.values())
    return run.chain.state.balance(run.pool.pool) >= notes * UNIT


@scenario("shielded-double-spend", "an attacker withdraws her note from the shielded pool, then replays the same "
          "proven withdrawal; the pool's nullifier set refuses the replays and the honest users withdraw all they "
          "were paid (defense=off: nullifiers not recorded, each replay pays again and the pool is drained below "
          "the honest users' notes)", defense="on", replays=2)
def double_spend(seed: int, params: dict) -> ScenarioResult:
    run = build(seed, params)
    rng = run.sim.scheduler.rng("users")
    deposits = {name: rng.randint(2_000, 6_000) for name in HONEST}
    paid, stolen = rng.randint(100, deposits["alice"] // 2), rng.randint(2_000, 4_000)
    bob_key = NoteKey.from_seed(b"bob").public
    end_ms = 300_000
    add_wallet(run, "alice", [(rng.randint(0, 40_000), "deposit", deposits["alice"]), (0, "pay", paid, bob_key),
                              (end_ms, "withdraw", deposits["alice"] - paid, run.rollup_keys["alice"])])
    add_wallet(run, "bob", [(rng.randint(0, 40_000), "deposit", deposits["bob"]),
                            (end_ms, "withdraw", deposits["bob"] + paid, run.rollup_keys["bob"])])
    mallory = add_wallet(run, "mallory", [(rng.randint(0, 40_000), "deposit", stolen),
                                          (0, "withdraw", stolen, run.rollup_keys["mallory"])])
    replays: list[tuple[bool, str]] = []
    chain = run.chain

    def attack() -> None:
        if len(mallory.receipts) < 2:   # her withdrawal is not on L1 yet: look again next block
            run.sim.scheduler.after(BLOCK_MS, "mallory: replay", attack)
            return
        tx = mallory.sent[-1]
        for _ in range(params["replays"]):
            receipt = chain.transact(run.l1["mallory"], run.pool.pool, "transact", *tx.args(), gas_limit=GAS_LIMIT)
            replays.append((receipt.status, receipt.error or "ACCEPTED"))
            run.sim.scheduler.log(f"mallory: replayed withdrawal: {receipt.error or 'ACCEPTED'}")

    with run.sim:
        run.sim.scheduler.at(150_000, "mallory: replay", attack)
        run.sim.scheduler.every(BLOCK_MS, "judge: pool backs notes", lambda: run.backed.append(pool_backs_notes(run)),
                                until=10**12)
        run.sim.run(until=end_ms + 120_000)
        owed = {"alice": deposits["alice"] - paid, "bob": deposits["bob"] + paid}
        out = {name: withdrawn(run, name) for name in HONEST}
        nullifiers = Counter(log.args[0] for _, log in chain.logs(run.pool.pool, "NewNullifier"))
        loss = sum(max(owed[n] - out[n], 0) for n in HONEST) * UNIT
        return run.finish("shielded-double-spend", {
            "no_nullifier_spent_twice": max(nullifiers.values()) == 1,
            "pool_backs_its_notes": all(run.backed),
            "replays_refused": bool(replays) and not any(ok for ok, _ in replays),
            "honest_users_withdrew_their_notes": out == owed,
        }, honest_loss=loss, attack_attempted=bool(replays), summary=[
            f"mallory withdrew {readable(stolen * UNIT)}, then replayed it {len(replays)} times: "
            + ", ".join(reason for _, reason in replays),
            f"mallory's rollup account received {readable(withdrawn(run, 'mallory') * UNIT)}",
            f"pool balance at the end: {readable(chain.state.balance(run.pool.pool))}",
        ], accounts={n: {"owed": owed[n], "withdrawn": out[n]} for n in HONEST})
