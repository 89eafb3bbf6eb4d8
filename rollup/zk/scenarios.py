"""Scenarios of the ZK rollup (``prozchain scenario run zk-...``), with real Groth16 proofs.

Every run builds the same world: an L1 with 12-second blocks, the verifier and rollup
contracts for the 2-slot, depth-8 batch circuit (its key set up once and cached on disk, see
:mod:`prozchain.rollup.zk.system`), users who deposit, pay each other and withdraw, the operator agent and
the users' wallet, on the simulated network. Scenarios differ in who misbehaves and which
defence is on. Accounts' amounts are in L2 units (1 gwei, :data:`~prozchain.rollup.zk.system.L2_UNIT`);
``honest_loss`` is in wei.

>>> from prozchain.rollup.sim.registry import all_scenarios
>>> sorted(name for name in all_scenarios() if name.startswith("zk-"))
['zk-censorship-exodus', 'zk-happy-path', 'zk-invalid-batch', 'zk-malicious-upgrade', 'zk-mev-reorder', 'zk-prover-crash']
>>> "censoring-operator" in all_scenarios()
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from prozchain.circuits.gadgets.eddsa import public_key
from prozchain.circuits.txtypes import Account, AccountTree, Tx, TxRejected, apply_tx, decode_batch, sign_tx
from prozchain.native.curve import P
from prozchain.rollup.common.units import BLOCK_MS, ETHER, WEI, Unit, readable
from prozchain.rollup.economics.bonds import conserved, history
from prozchain.rollup.economics.inclusion import forced_delay
from prozchain.rollup.economics.ordering import FirstComeFirstServed, audit
from prozchain.rollup.l1 import Chain, Contract, Key, external, keccak256
from prozchain.rollup.l1.groth16 import AcceptAnything
from prozchain.rollup.sim import kit
from prozchain.rollup.sim.network import NetworkConfig
from prozchain.rollup.sim.registry import ScenarioResult, scenario
from prozchain.rollup.sim.world import Simulation
from prozchain.rollup.zk.agents import REJECTED, Batch, OperatorAgent, Pipeline, Wallet
from prozchain.rollup.zk.errors import ZkRollupError
from prozchain.rollup.zk.node import ZkNode, ordered_batches, tx_id
from prozchain.rollup.zk.contracts.registry import types_mask
from prozchain.rollup.zk.system import DEADLINE, L2_UNIT, UNIT, UPGRADE_DELAY, System, circuit_and_key, deploy

COMMON = dict(users=3, loss=0.05, prove_ms=8_000)
NEVER = 2**40  # a deadline no run reaches: no exodus
OPERATOR_BOND = ETHER  # what the operator loses when it lets a request go overdue


@dataclass(kw_only=True)
class Run(kit.Run):
    """One scenario's rollup, its users (L1 keys and L2 signing keys) and what they sent."""

    system: System
    users: list[Key]
    l2_keys: list[bytes]
    sent: list[tuple[int, Tx, int]] = field(default_factory=list)  # (sender, tx, receiver or -1)
    escrow_ok: list[bool] = field(default_factory=list)
    node: ZkNode | None = None  # the judge's own replay of L1, kept up to date block by block
    account_unit: Unit = L2_UNIT


def build(seed: int, params: dict, deadline: int = DEADLINE, checks_proofs: bool = True,
          durable: bool = True, censor_from: int | None = None, exodus: bool = True,
          upgrade_delay: int = UPGRADE_DELAY, leave_on_upgrade: bool = False,
          censors: Callable[[Tx], bool] | None = None, force_after_ms: int | None = None) -> Run:
    """The world, the operator (bonded with :data:`OPERATOR_BOND`) and the wallet; the users'
    plan is added by :func:`plan`."""
    sim = Simulation(seed, NetworkConfig(latency_ms=(10, 400), loss=params["loss"], duplicate=0.05))
    users = [Key.from_seed(f"zk-user-{i}".encode()) for i in range(params["users"])]
    operator = Key.from_seed(b"zk-operator")
    chain = Chain({k.address: 100 * ETHER for k in users + [operator]})
    spec, compiled, zkey = circuit_and_key()
    system = deploy(chain, operator, operator, spec, zkey.verification_key(), deadline, checks_proofs,
                    upgrade_delay=upgrade_delay, operator_bond=OPERATOR_BOND)
    run = Run(sim=sim, params=params, chain=chain, system=system, users=users,
              l2_keys=[f"zk-l2-{i}".encode().ljust(32, b".") for i in range(len(users))])
    sim.produce_blocks(chain, BLOCK_MS, until=10**12)
    run.agents["operator"] = sim.add(OperatorAgent("operator", sim, system, compiled, zkey, BLOCK_MS,
                                                   params["prove_ms"], durable, censor_from, censors=censors))
    run.agents["wallet"] = sim.add(Wallet("wallet", sim, system, users, "operator", BLOCK_MS, exodus,
                                          leave_on_upgrade, force_after_ms))
    sim.scheduler.every(BLOCK_MS, "judge: escrow", lambda: run.escrow_ok.append(escrow_matches(run)), until=10**12)
    return run


def index_of(run: Run, user: int) -> int:
    for _, log in run.chain.logs(run.system.rollup, "Deposited"):
        if log.args[5] == run.users[user].address:
            return log.args[1]
    raise ZkRollupError(f"user {user} has no L2 account yet")


def deposit(run: Run, user: int, amount: int, at: int) -> None:
    pub = public_key(run.l2_keys[user])
    key, chain = run.users[user], run.chain
    run.sim.scheduler.at(at, f"user {user}: deposit {amount}", lambda: chain.submit(
        chain.build(key, run.system.rollup, "deposit", *pub, value=amount * UNIT, gas_limit=300_000)))


def send(run: Run, user: int, at: int, nonce: int, kind: str, amount: int, fee: int, to: int) -> None:
    """At ``at``, user ``user`` signs (nonce ``nonce``) and sends a transfer to user ``to`` or a
    withdrawal to its own L1 address (``to`` = -1)."""
    def act() -> None:
        me = index_of(run, user)
        if kind == "transfer":
            fields = {"from": me, "to": index_of(run, to), "amount": amount, "fee": fee}
        else:
            fields = {"from": me, "amount": amount, "fee": fee, "to": int(run.users[user].address, 16)}
        tx = sign_tx(Tx(kind, fields), [run.l2_keys[user]], [nonce])
        run.sent.append((user, tx, to))
        run.agents["wallet"].send_l2(tx)
    run.sim.scheduler.at(at, f"user {user}: {kind} {amount}", act)


def plan(run: Run, rng, deposits_until: int = 20_000, activity_from: int = 60_000, spread: int = 10_000) -> int:
    """Deposits, then one transfer per user to a random peer, then a withdrawal each, each kind
    within ``spread`` ms; returns when the activity ends."""
    n = len(run.users)
    amounts = [rng.randint(1_000, 9_000) for _ in range(n)]
    for i in range(n):
        deposit(run, i, amounts[i], rng.randint(1_000, deposits_until))
    for i in range(n):
        peer = rng.choice([j for j in range(n) if j != i])
        send(run, i, activity_from + rng.randint(0, spread), 0, "transfer", rng.randint(1, amounts[i] // 10),
             rng.randint(1, 9), peer)
        send(run, i, activity_from + 60_000 + rng.randint(0, spread), 1, "withdraw",
             rng.randint(1, amounts[i] // 4), rng.randint(1, 9), -1)
    return activity_from + 60_000 + spread


# -- judging ---------------------------------------------------------------------------------------
def l1_view(run: Run) -> dict[str, Any]:
    chain, rollup = run.chain, run.system.rollup
    state = chain.view(rollup, "state")
    deposits = [log.args for _, log in chain.logs(rollup, "Deposited")]
    credits = [log.args for _, log in chain.logs(rollup, "Credited")]
    exits = {log.args[0] for _, log in chain.logs(rollup, "Exited")}
    return {"root": state.root, "served": state.served, "frozen": state.frozen, "deposits": deposits, "credits": credits,
            "exited": exits, "claimed": {log.args[0] for _, log in chain.logs(rollup, "Claimed")},
            "refunded": [p for p, *_ in deposits if chain.view(rollup, "refunded", p)]}


def escrow_matches(run: Run) -> bool:
    """Escrow == L2 balances (of accounts not exited) + unclaimed ledger + unserved, unrefunded deposits."""
    view = l1_view(run)
    try:
        run.node = run.node or ZkNode(run.chain, run.system.rollup, run.system.depth)
        run.node.sync()
    except (ZkRollupError, TxRejected):
        return False
    l2 = sum(a.balance for i, a in run.node.tree.accounts.items() if i not in view["exited"])
    ledger = sum(amount for entry, _, amount in view["credits"] if entry not in view["claimed"])
    queued = sum(amount for p, _, amount, *_ in view["deposits"] if p >= view["served"] and p not in view["refunded"])
    return run.chain.state.balance(run.system.rollup) == UNIT * (l2 + ledger + queued)


def included(run: Run) -> list[tuple[str, tuple]]:
    """Every transaction in verified L1 data, as (type, sorted fields)."""
    out = []
    for _, log in run.chain.logs(run.system.rollup, "BatchVerified"):
        out += [(t.name, tuple(sorted(values.items()))) for t, values in decode_batch(log.args[3]) if t.name != "noop"]
    return out


def judge(run: Run, name: str, extra: dict[str, bool], l2_counts: bool = True,
          notes: tuple[str, ...] = (), attack_attempted: bool | None = None) -> ScenarioResult:
    """Common invariants and the honest loss: each user is owed deposits - fees - sent + received
    over the transactions that happened, those L1 data applied and those the operator promised
    (acknowledged as pending or included); they hold L1 payouts (claims, exits, refunds) plus,
    while the rollup serves them (``l2_counts``), their verified L2 balance."""
    chain, rollup = run.chain, run.system.rollup
    view = l1_view(run)
    node = ZkNode(chain, rollup, run.system.depth)
    try:
        node.sync()
        rebuilt = node.tree.root == view["root"]
    except (ZkRollupError, TxRejected):
        rebuilt = False  # the batches before the one that does not replay still count as applied
    answers = run.agents["wallet"].status

    def acked(tx: Tx) -> bool:
        return tx.key() in answers and answers[tx.key()].state != REJECTED
    promised = [(u, tx, to) for u, tx, to in run.sent if acked(tx)]
    happened = [(u, tx, to) for u, tx, to in run.sent if acked(tx) or tx_id(tx) in node.included]
    in_data = included(run)
    owed = {i: 0 for i in range(len(run.users))}
    for p, index, amount, _, _, sender in view["deposits"]:
        owed[[u.address for u in run.users].index(sender)] += amount
    for u, tx, to in happened:
        owed[u] -= tx.fields["fee"] + tx.fields["amount"] * (to >= 0)
        if to >= 0:
            owed[to] += tx.fields["amount"]
    paid = {i: 0 for i in owed}
    addresses = [u.address for u in run.users]
    for _, log in chain.logs(rollup, "Claimed"):
        entry = log.args[0]
        to, amount = next((t, a) for e, t, a in view["credits"] if e == entry)
        if to in addresses:
            paid[addresses.index(to)] += amount
    for _, log in chain.logs(rollup, "Exited"):
        index, balance = log.args
        owner = next(s for _, i, _, _, _, s in view["deposits"] if i == index)
        paid[addresses.index(owner)] += balance
    for p in view["refunded"]:
        _, _, amount, _, _, sender = view["deposits"][p]
        paid[addresses.index(sender)] += amount
    held = {}
    for i in owed:
        balance = 0
        if rebuilt and l2_counts:
            try:
                index = index_of(run, i)
                balance = 0 if index in view["exited"] else node.tree.get(index).balance
            except ZkRollupError:
                balance = 0
        held[i] = paid[i] + balance
    honest_loss = UNIT * sum(max(0, owed[i] - held[i]) for i in owed)
    invariants = {
        "state_rebuilt_from_l1": rebuilt,
        "escrow_matches_every_block": all(run.escrow_ok) and escrow_matches(run),
        "no_acked_tx_lost": all(tx_id(tx) in node.included for _, tx, _ in promised),
        "no_tx_applied_twice": len(in_data) == len(set(in_data)),
        **extra,
    }
    summary = [f"{len(chain.logs(rollup, 'BatchVerified'))} batches verified, {len(in_data)} L2 txs, "
               f"{len(view['deposits'])} deposits ({view['served']} served), frozen: {bool(view['frozen'])}",
               f"of {len(run.sent)} sent: {len(promised)} acknowledged, "
               f"{sum(tx_id(tx) in node.included for _, tx, _ in run.sent)} applied; users owed "
               f"{readable(sum(owed.values()), L2_UNIT)}, hold {readable(sum(held.values()), L2_UNIT)}",
               *notes]
    accounts = {run.users[i].address: {"owed": owed[i], "held": held[i]} for i in owed}
    return run.finish(name, invariants, honest_loss, summary=summary, accounts=accounts,
                      attack_attempted=attack_attempted)


# -- the scenarios ---------------------------------------------------------------------------------
@scenario("zk-happy-path", "users deposit, transfer and withdraw over several proven batches; "
          "all balances match (no attack; defense=off changes nothing)", defense="on", **COMMON)
def happy_path(seed: int, params: dict) -> ScenarioResult:
    run = build(seed, params)
    with run.sim:
        end = plan(run, run.sim.scheduler.rng("users"))
        run.sim.run(until=end + 240_000)
        view, users = l1_view(run), {u.address for u in run.users}
        withdrawals = [entry for entry, to, _ in view["credits"] if to in users]
        return judge(run, "zk-happy-path", {
            "every_withdrawal_claimed": len(withdrawals) == len(users) and set(withdrawals) <= view["claimed"],
        })


@scenario("zk-censorship-exodus", "after serving the first deposits the operator ignores a deposit and then "
          "everything; past the deadline anyone freezes the rollup and every user exits with their last "
          "verified balance (defense=off: no exodus, the funds stay stuck)",
          defense="on", deadline_s=600, **COMMON)
def censorship_exodus(seed: int, params: dict) -> ScenarioResult:
    on = params["defense"] == "on"
    censor_from = 70_000
    run = build(seed, params, deadline=params["deadline_s"] if on else NEVER, censor_from=censor_from, exodus=on)
    with run.sim:
        rng = run.sim.scheduler.rng("users")
        plan(run, rng, deposits_until=20_000, activity_from=80_000)
        deposit(run, 0, rng.randint(100, 900), censor_from + 5_000)  # the deposit the operator ignores
        run.sim.run(until=censor_from + 1_000 * params["deadline_s"] + 240_000)
        view = l1_view(run)
        return judge(run, "zk-censorship-exodus", {
            "frozen_after_deadline": bool(view["frozen"]),
            "every_user_exited": len(view["exited"]) == len(run.users),
            "unserved_deposit_refunded": all(p in view["refunded"] for p, *_ in view["deposits"] if p >= view["served"]),
        }, l2_counts=False, attack_attempted=any(p >= view["served"] for p, *_ in view["deposits"]))


def evil_batch(run: Run, thief: bytes) -> tuple[int, bytes]:
    """A root where the thief's new account holds everything, and data withdrawing the escrow to it."""
    node = ZkNode(run.chain, run.system.rollup, run.system.depth)
    node.sync()
    tree: AccountTree = node.tree.copy()
    total = sum(a.balance for a in tree.accounts.values())
    for index, account in list(tree.accounts.items()):
        tree.set(index, account.replace(balance=0))
    index = (1 << tree.depth) - 1
    tree.set(index, Account(*public_key(thief), 0, 1))
    escrow = run.chain.state.balance(run.system.rollup) // UNIT
    fields = {"from": index, "amount": escrow, "fee": 0, "to": int(run.system.operator.address, 16)}
    return tree.root, Tx("withdraw", fields).encode() + Tx("noop", {}).encode()


@scenario("zk-invalid-batch", "a malicious aggregator submits a batch for a wrong new root, then a tampered proof, "
          "then a valid proof with other data; all rejected, state unchanged (defense=off: the contract skips "
          "verification and the thief's root and withdrawal go through)", defense="on", attack_at=100_000, **COMMON)
def invalid_batch(seed: int, params: dict) -> ScenarioResult:
    on = params["defense"] == "on"
    run = build(seed, params, checks_proofs=on)
    outcomes: list[tuple[str, bool, str]] = []
    with run.sim:
        end = plan(run, run.sim.scheduler.rng("users"))

        def attack() -> None:
            pipeline = run.agents["operator"].pipeline
            chain, rollup, thief = run.chain, run.system.rollup, run.system.operator
            root = chain.view(rollup, "state").root
            # a genuine proof, of an all-noop batch from the current root
            node = ZkNode(chain, rollup, run.system.depth)
            node.sync()
            noops = run.system.spec.pad([])
            slots = [apply_tx(node.tree, tx) for tx in noops]
            batch = Batch(-1, noops, root, root, slots)
            proof, _ = pipeline.prove(batch)
            evil_root, evil_data = evil_batch(run, b"thief".ljust(32, b"."))
            tampered = proof[:1] + [(P - proof[1]) % P] + proof[2:]
            before = (chain.view(rollup, "state"), chain.state.balance(rollup))
            for what, args in (("wrong new root", (root, evil_root, evil_data, proof)),
                               ("tampered proof", (root, root, batch.data, tampered)),
                               ("data mismatch", (root, root, evil_data, proof))):
                receipt = chain.transact(thief, rollup, "submit_batch", 1, *args, gas_limit=3_000_000)
                outcomes.append((what, receipt.status, receipt.error or "accepted"))
                run.sim.scheduler.log(f"attacker: {what}: {receipt.error or 'ACCEPTED'}")
            outcomes.append(("state unchanged", (chain.view(rollup, "state"), chain.state.balance(rollup)) == before, ""))
            stolen = [e for e, to, _ in l1_view(run)["credits"] if to == thief.address and not chain.view(rollup, "claimed", e)]
            for entry in stolen:
                chain.transact(thief, rollup, "claim", entry, gas_limit=200_000)
        run.sim.scheduler.at(params["attack_at"], "attacker: submit invalid batches", attack)
        run.sim.run(until=end + 240_000)
        return judge(run, "zk-invalid-batch", {
            "invalid_batches_rejected": len(outcomes) == 4 and not any(ok for _, ok, _ in outcomes[:3]),
            "state_unchanged_by_attack": len(outcomes) == 4 and outcomes[3][1],
        }, notes=tuple(f"attack '{w}': {e}" for w, _, e in outcomes[:3]), attack_attempted=len(outcomes) == 4)


@scenario("zk-prover-crash", "the operator crashes while proving a batch and restarts from its SQLite store; "
          "no transaction lost or applied twice (defense=off: an in-memory store, acknowledged transactions lost)",
          defense="on", downtime_ms=30_000, **COMMON)
def prover_crash(seed: int, params: dict) -> ScenarioResult:
    run = build(seed, params, durable=params["defense"] == "on")
    crashed: list[int] = []
    with run.sim:
        end = plan(run, run.sim.scheduler.rng("users"))

        def on_proving(batch) -> None:  # the first batch with transactions the operator acknowledged
            if any(tx.type in ("transfer", "withdraw") for tx in batch.txs) and not crashed:
                crashed.append(run.sim.scheduler.now)
                run.sim.crash("operator", at=run.sim.scheduler.now + params["prove_ms"] // 2,
                              downtime=params["downtime_ms"])
        run.agents["operator"].on_proving = on_proving
        run.sim.run(until=end + 300_000)
        return judge(run, "zk-prover-crash", {},
                     notes=(f"crash at {crashed[0] if crashed else '-'} ms while proving",),
                     attack_attempted=bool(crashed))


def everyone_exited(run: Run) -> bool:
    """Frozen, and every account with a balance under the last verified root has exited."""
    view = l1_view(run)
    node = ZkNode(run.chain, run.system.rollup, run.system.depth)
    try:
        node.sync()
    except (ZkRollupError, TxRejected):
        return False
    return bool(view["frozen"]) and all(i in view["exited"] for i, a in node.tree.accounts.items() if a.balance)


@scenario("zk-malicious-upgrade", "compromised governance proposes a verifier that accepts anything and the "
          "operator stops serving; users see the pending version on L1, force an exit (deadline < delay) and leave "
          "with everything before it applies (defense=off: no time lock, the version applies at once and a forged "
          "batch withdraws the escrow)", defense="on", attack_at=300_000, deadline_s=600, delay_s=1_800, **COMMON)
def malicious_upgrade(seed: int, params: dict) -> ScenarioResult:
    on = params["defense"] == "on"
    delay = params["delay_s"] if on else 0
    run = build(seed, params, deadline=params["deadline_s"], censor_from=params["attack_at"],
                upgrade_delay=delay, leave_on_upgrade=True)
    forged: list[tuple[str, bool, str]] = []
    with run.sim:
        plan(run, run.sim.scheduler.rng("users"))
        chain, rollup, thief = run.chain, run.system.rollup, run.system.operator   # governance is the operator

        def forge(when: str) -> None:
            root = chain.view(rollup, "state").root
            evil_root, evil_data = evil_batch(run, b"thief".ljust(32, b"."))
            receipt = chain.transact(thief, rollup, "submit_batch", 2, root, evil_root, evil_data, [0] * 8,
                                     gas_limit=3_000_000)
            forged.append((when, receipt.status, receipt.error or "ACCEPTED"))
            run.sim.scheduler.log(f"attacker: forged batch {when}: {receipt.error or 'ACCEPTED'}")
            for entry, to, _ in l1_view(run)["credits"]:
                if to == thief.address and not chain.view(rollup, "claimed", entry):
                    chain.transact(thief, rollup, "claim", entry, gas_limit=200_000)

        def propose() -> None:
            verifier, _ = chain.deploy(thief, AcceptAnything)
            spec = run.system.spec
            eta = chain.transact(thief, rollup, "propose_version", 2, verifier, spec.slots, spec.n_elements,
                                 types_mask(spec.types), gas_limit=300_000).return_value
            run.sim.scheduler.log(f"attacker: version 2 (accepts anything) proposed, applies at t={eta}")
            forge("at once")
            if delay:
                run.sim.scheduler.at(run.sim.scheduler.now + 1_000 * delay + BLOCK_MS, "attacker: forge at activation",
                                     lambda: forge("at activation"))
        run.sim.scheduler.at(params["attack_at"], "attacker: propose a verifier that accepts anything", propose)
        run.sim.run(until=params["attack_at"] + 1_000 * max(delay, params["deadline_s"]) + 60_000)
        return judge(run, "zk-malicious-upgrade", {
            "forged_batches_refused": bool(forged) and not any(ok for _, ok, _ in forged),
            "every_user_exited": everyone_exited(run),
        }, notes=tuple(f"forged batch {w}: {e}" for w, _, e in forged), attack_attempted=bool(forged))


def forced_exit_delay(run: Run, user: int) -> str:
    """A summary line: from the L1 block that recorded ``user``'s forced withdrawal to the one
    whose exit paid the user."""
    chain, rollup = run.chain, run.system.rollup
    owner = run.users[user].address
    asked = [b for b, log in chain.logs(rollup, "WithdrawalForced") if log.args[2] == owner]
    index = index_of(run, user)
    paid = [b for b, log in chain.logs(rollup, "Exited") if log.args[0] == index]
    if not asked or not paid:
        return f"forced withdrawal of user {user}: {'requested' if asked else 'never requested'}, never paid"
    return forced_delay(chain, asked[0], paid[0]).text(f"forced withdrawal of user {user}", "paid by exodus")


@scenario("censoring-operator", "the operator drops one user's withdrawal and serves everyone else; the user forces "
          "it on L1, the operator lets the deadline pass, anyone freezes the rollup (the operator's bond is "
          "slashed) and every user, the victim first among them, exits with the last verified balance "
          "(defense=off: no forced withdrawal, the victim's funds stay stuck)",
          defense="on", deadline_s=600, force_after_s=60, **COMMON)
def censoring_operator(seed: int, params: dict) -> ScenarioResult:
    on = params["defense"] == "on"
    victim = 0
    run: Run

    def censors(tx: Tx) -> bool:
        try:
            return tx.type == "withdraw" and tx.fields["from"] == index_of(run, victim)
        except ZkRollupError:
            return False
    run = build(seed, params, deadline=params["deadline_s"], censors=censors,
                force_after_ms=1_000 * params["force_after_s"] if on else None)
    with run.sim:
        end = plan(run, run.sim.scheduler.rng("users"))
        run.sim.run(until=end + 1_000 * (params["force_after_s"] + params["deadline_s"]) + 240_000)
        view, ledger = l1_view(run), run.system.ledger
        timing = forced_exit_delay(run, victim)
        slashed = [e for e in history(run.chain, ledger) if e.action == "slash"]
        return judge(run, "censoring-operator", {
            "victim_paid_by_exodus": index_of(run, victim) in view["exited"],
            "every_user_exited": everyone_exited(run),
            "operator_bond_slashed": sum(e.amount for e in slashed) == OPERATOR_BOND,
            "bond_ledger_conserved": conserved(run.chain, ledger),
        }, l2_counts=False, notes=(timing, f"operator bond: {len(slashed)} slashes, "
                                   f"{readable(sum(e.amount for e in slashed))} in all"),
            attack_attempted=any(tx.type == "withdraw" and u == victim for u, tx, _ in run.sent))


# -- ordering: the operator's stated policy, first come first served ---------------------------
@scenario("zk-mev-reorder", "the operator (first come first served, bonded) posts a payer's later, "
          "conflicting payment to its accomplice where the payment it had receipted to the victim "
          "belongs, voiding it; the victim's receipt and the batch data on L1 prove it and the bond "
          "pays the victim", defense="on", users=4)
def zk_mev_reorder(seed: int, params: dict) -> ScenarioResult:
    """Hand-driven on one L1 with real proofs: deposits, honest payments in arrival order, then
    the payer's two payments of one nonce (the victim's first, receipted; the accomplice's after,
    refused for its used nonce) and the operator's batch with the accomplice's in the victim's
    place. The victim's wallet audits its receipts against L1 data and disputes."""
    sim = Simulation(seed)
    rng = sim.scheduler.rng("plan")
    n = params["users"]
    users = [Key.from_seed(f"zk-user-{i}".encode()) for i in range(n)]
    operator = Key.from_seed(b"zk-operator")
    chain = Chain({k.address: 100 * ETHER for k in users + [operator]})
    spec, compiled, zkey = circuit_and_key()
    system = deploy(chain, operator, operator, spec, zkey.verification_key(), NEVER, operator_bond=OPERATOR_BOND)
    chain.transact(operator, system.rollup, "state_policy", "fcfs", gas_limit=100_000)
    run = Run(sim=sim, params=params, chain=chain, system=system, users=users,
              l2_keys=[f"zk-l2-{i}".encode().ljust(32, b".") for i in range(n)], account_unit=WEI)
    pipeline = Pipeline(system, compiled, zkey, blinding=sim.scheduler.rng("blinding"))
    for i in range(n):
        chain.transact(users[i], system.rollup, "deposit", *public_key(run.l2_keys[i]),
                       value=rng.randint(1_000, 9_000) * UNIT, gas_limit=300_000)
    while pipeline.run_batch() is not None:
        pass
    payer, victim, accomplice = rng.sample(range(n), 3)
    nonces = [0] * n

    def pay(user: int, to: int, amount: int, nonce: int) -> Tx:
        return sign_tx(Tx("transfer", {"from": index_of(run, user), "to": index_of(run, to), "amount": amount,
                                       "fee": rng.randint(1, 9)}), [run.l2_keys[user]], [nonce])
    honest = [pay(u, rng.choice([j for j in range(n) if j != u]), rng.randint(1, 500), 0)
              for u in rng.sample([u for u in range(n) if u != payer], rng.randint(1, n - 1))]
    amount = rng.randint(500, 900)
    owed, bribe = pay(payer, victim, amount, nonces[payer]), pay(payer, accomplice, amount, nonces[payer])
    arrivals = honest[:rng.randint(0, len(honest))]
    arrivals += [owed] + honest[len(arrivals):]
    for tx in arrivals:
        pipeline.accept(tx)
    refused = pipeline.accept(bribe)  # the payer's nonce is used by its receipted payment
    receipts = [(pipeline.receipt_of(tx), operator.address) for tx in arrivals]
    # the front-run: the accomplice's payment takes the receipted one's place in the stream
    pipeline.mempool = [(seq, bribe if tx.key() == owed.key() else tx) for seq, tx in pipeline.mempool]
    pipeline.rejected.pop(bribe.key())  # or the operator's own bookkeeping drops it at the next seal
    while pipeline.run_batch() is not None:
        pass
    found = audit(FirstComeFirstServed(), [(r, signer) for (r, _), signer in receipts],
                  ordered_batches(chain, system.rollup))
    paid = 0
    if params["defense"] == "on":
        for receipt, posted, problem in found:
            if receipt.tx_hash == keccak256(owed.encode()):
                data = next(log.args[3] for _, log in chain.logs(system.rollup, "BatchVerified")
                            if log.args[0] == posted.batch)
                signature = dict((r.seq, s) for (r, s), _ in receipts)[receipt.seq]
                before = chain.state.balance(users[victim].address)
                r = chain.transact(users[victim], system.rollup, "dispute_order", posted.batch, receipt.seq,
                                   receipt.tx_hash, receipt.prefix, receipt.bid, receipt.deadline, list(signature),
                                   data, gas_limit=3_000_000)
                paid = chain.state.balance(users[victim].address) - before + r.fee if r.status else 0
                break
    node = ZkNode(chain, system.rollup, system.depth)
    node.sync()
    lost = amount * UNIT if tx_id(owed) not in node.included else 0
    slashed = [e for e in history(chain, system.ledger) if e.action == "slash"]
    return run.finish("zk-mev-reorder", {
        "front_run_detected": bool(found) or not lost,
        "front_run_slashed": bool(slashed) or not lost,
        "victim_made_whole": paid >= lost,
        "bonds_conserved": conserved(chain, system.ledger)},
        max(0, lost - paid), attack_attempted=refused is not None,
        summary=[f"{len(arrivals)} receipted payments in {node.batches} batches; the victim's "
                 f"{'voided' if lost else 'applied'}; audit from L1 data: "
                 f"{', '.join(p for _, _, p in found) or 'nothing against the receipts'}",
                 f"operator bond slashed: {readable(sum(e.amount for e in slashed))} "
                 f"({slashed[0].reason if slashed else 'no dispute'}); paid to the victim {readable(paid)}"],
        accounts={"operator": {"staked": OPERATOR_BOND, "slashed": sum(e.amount for e in slashed)}})
