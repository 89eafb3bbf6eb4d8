"""Scenarios of the optimistic rollup (``prozchain scenario run opt-...``).

Every run builds the same world: an L1 with 12-second blocks, the portal and the output oracle,
an L2 whose genesis holds the example token (users' balances) and escrow, honest users who
deposit, transfer, call the token and the escrow and withdraw, a sequencer, a proposer and a
challenger, all on the simulated network. Scenarios differ in who misbehaves and which defence
is on. Time parameters are L1 seconds (the window defaults to half an hour here, not seven days,
to keep runs short; the contract's own default is seven days).

>>> from prozchain.rollup.sim.registry import run
>>> result = run("opt-happy-path", seed=1)
>>> result.ok, result.honest_loss
(True, 0)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

from prozchain.prover.groth16.keys import VerificationKey
from prozchain.rollup.common.units import BLOCK_MS, ETHER, readable
from prozchain.rollup.economics.bonds import BURN, BondLedger, bonds, conserved, history
from prozchain.rollup.economics.inclusion import ForcedDelay, forced_delay
from prozchain.rollup.economics.sequencing import SequencerSet
from prozchain.rollup.l1 import Chain, Contract, Key
from prozchain.rollup.optimistic.agents import Challenger, LiquidityProvider, Proposer, Sequencer, Wallet
from prozchain.rollup.optimistic.sequencers import ReceiptWallet, SetMember
from prozchain.rollup.optimistic.node import Genesis, L2Node
from prozchain.rollup.optimistic.contracts.outputs import CHALLENGER_WON, DEFENDER_WON, FINALIZED, PENDING, Outputs
from prozchain.rollup.optimistic.system import Config, System, deploy
from prozchain.rollup.sim import kit
from prozchain.rollup.sim.network import NetworkConfig
from prozchain.rollup.sim.registry import ScenarioError, ScenarioResult, scenario
from prozchain.rollup.sim.world import Simulation
from prozchain.rollup.vm.examples import BOUNTY, ESCROW, TOKEN, bounty_storage, fee_vault_genesis, token_storage
from prozchain.rollup.vm.merkle import KECCAK, POSEIDON, keccak
from prozchain.rollup.vm.state import BRIDGE, addr_int, mapping_slot, state_root
from prozchain.rollup.vm.tx import L2Tx

TOKEN_AT, ESCROW_AT = "0x" + "70" * 20, "0x" + "e5" * 20
BRIDGE_AT = "0x" + BRIDGE.to_bytes(20, "big").hex()
COMMON = dict(users=4, window_s=1_800, clock_s=300, arity=4, loss=0.05, blobs=False)
DISPUTE_METHODS = ("challenge", "bisect", "choose", "prove", "timeout")
REACTION_S = 5 * BLOCK_MS // 1_000
NEVER = 2**40  # a sequencing window no run reaches: only the sequencer includes forced transactions


@dataclass(kw_only=True)
class Run(kit.Run):
    """One scenario's world and what the honest users meant to do."""

    system: System
    users: list[Key]
    keys: dict[str, Key]
    withdrawals: dict[bytes, tuple[str, int]] = field(default_factory=dict)
    transfers: dict[bytes, tuple[str, int]] = field(default_factory=dict)
    token_transfer: tuple[str, str, int] = ("", "", 0)
    activity_end: int = 0


def build(seed: int, params: dict, clock_s: Optional[int] = None, wallet: dict | None = None,
          vk: Optional[VerificationKey] = None, verifier_class: Optional[type[Contract]] = None,
          start_vks: Optional[tuple[VerificationKey, VerificationKey]] = None, **config: int) -> Run:
    """The world and the honest users' plan; agents are added by the scenario. ``wallet``: the
    wallet's options; ``config``: :class:`Config` fields besides the dispute's. ``segment`` > 1:
    games end at segments proven under ``vk`` (or checked by ``verifier_class``), the state
    hashed with Poseidon, and at starts of inbox items proven under ``start_vks`` if given."""
    network = NetworkConfig(latency_ms=(10, 400), loss=params["loss"], duplicate=0.05)
    sim = Simulation(seed, network)
    users = [Key.from_seed(f"user-{i}".encode()) for i in range(params["users"])]
    keys = {n: Key.from_seed(n.encode()) for n in
            ("deployer", "sequencer", "proposer", "challenger", "wallet", "griefer-0", "griefer-1", "griefer-2",
             "provider")}
    chain = Chain({k.address: 100 * ETHER for k in users + list(keys.values())})
    commitment = POSEIDON if config.get("segment", 1) > 1 else KECCAK
    config = Config(window=params["window_s"], clock=clock_s or params["clock_s"], arity=params["arity"],
                    commitment=commitment.name, **config)
    genesis = Genesis(code={TOKEN_AT: TOKEN, ESCROW_AT: ESCROW},
                      storage=token_storage(TOKEN_AT, {u.address: 1_000 for u in users}, config.scheme))
    system = deploy(chain, keys["deployer"], keys["sequencer"].address, genesis, config, vk,
                    verifier_class=verifier_class, start_vks=start_vks)
    run = Run(sim=sim, params=params, chain=chain, system=system, users=users, keys=keys)
    sim.produce_blocks(chain, BLOCK_MS, until=10**12)
    run.agents["wallet"] = sim.add(Wallet("wallet", sim, system, keys["wallet"], poll_ms=BLOCK_MS, **(wallet or {})))
    _plan(run, sim.scheduler.rng("users"))
    return run


def _plan(run: Run, rng) -> None:
    """Deposits, then L2 payments, a token transfer, an escrow opened and released, and
    withdrawals of part of each user's L2 ether."""
    sched, chain, portal = run.sim.scheduler, run.chain, run.system.portal
    nonces = {u.address: 0 for u in run.users}
    deposits = {u.address: rng.randint(2, 9) * ETHER // 10 for u in run.users}
    for u in run.users:
        sched.at(rng.randint(1_000, 40_000), f"{u.address[:10]}: deposit", lambda u=u: chain.submit(
            chain.build(u, portal, "deposit", u.address, value=deposits[u.address], gas_limit=200_000)))

    def l2(at: int, user: Key, to: str, value: int = 0, args: tuple = (), withdraw: bool = False) -> None:
        tx = L2Tx(nonces[user.address], to, value, args, gas_limit=100_000).sign(user)
        nonces[user.address] += 1
        raw = tx.encode()
        (run.withdrawals if withdraw else run.transfers)[raw] = (user.address if withdraw else to, value)
        sched.at(at, f"{user.address[:10]}: L2 tx {nonces[user.address] - 1}",
                 lambda: run.agents["wallet"].send_l2(raw, (user.address, value) if withdraw else None))

    t = 70_000
    for u in run.users:
        peer = rng.choice([p for p in run.users if p is not u])
        l2(t + rng.randint(0, 60_000), u, peer.address, value=rng.randint(1, 50) * ETHER // 1_000)
    a, b, c = run.users[0], run.users[1], run.users[2 % len(run.users)]
    run.token_transfer = (a.address, b.address, rng.randint(1, 500))
    l2(t + 20_000, a, TOKEN_AT, args=(1, addr_int(b.address), run.token_transfer[2]))
    l2(t + 25_000, b, ESCROW_AT, value=ETHER // 100, args=(1, addr_int(c.address), addr_int(a.address)))
    l2(t + 90_000, a, ESCROW_AT, args=(2, 0))  # the arbiter releases escrow 0 to c
    for u in run.users:
        l2(t + 110_000 + rng.randint(0, 40_000), u, BRIDGE_AT, value=deposits[u.address] // 2, withdraw=True)
    run.activity_end = t + 150_000


def add_agents(run: Run, *, proposer: dict | None = None, challenger: dict | None = None,
               sequencer_durable: bool = True, sequencer: dict | None = None,
               proposer_class: type[Proposer] = Proposer, challenger_class: type[Challenger] = Challenger) -> None:
    """Sequencer (with the options ``sequencer``), proposer and (unless ``challenger`` is None)
    the honest challenger."""
    sim, system, keys = run.sim, run.system, run.keys
    run.agents["sequencer"] = sim.add(Sequencer("sequencer", sim, system, keys["sequencer"], poll_ms=BLOCK_MS,
                                                durable=sequencer_durable, blobs=run.params["blobs"],
                                                **(sequencer or {})))
    run.agents["proposer"] = sim.add(proposer_class("proposer", sim, system, keys["proposer"], poll_ms=BLOCK_MS,
                                                    **(proposer or {})))
    if challenger is not None:
        run.agents["challenger"] = sim.add(challenger_class("challenger", sim, system, keys["challenger"],
                                                            poll_ms=BLOCK_MS, **challenger))


def horizon(run: Run) -> int:
    """When every output of the activity is final if the rules hold: the last batch, its
    window, both clocks, and time to claim."""
    config = run.system.config
    return run.activity_end + 120_000 + 1_000 * (config.window + 2 * config.clock) + 240_000


def honest_outputs(node: L2Node) -> dict[int, bytes]:
    """Each batch's output as the node's replay of L1 data gives it."""
    return {b: state_root(node.batches[b].trace.final, node.ex.scheme) for b in range(len(node.batches))}


def replay(run: Run) -> L2Node:
    """A node that has derived the whole L2 from L1 data, as the judge sees it."""
    node = L2Node(run.chain, run.system.portal, run.system.genesis, run.system.config.scheme)
    node.sync()
    return node


def judge(run: Run, name: str, extra: dict[str, bool], extra_loss: int = 0,
          notes: tuple[str, ...] = (), attack_attempted: bool | None = None) -> ScenarioResult:
    """The common invariants, honest losses and figures, plus the scenario's own."""
    chain, system = run.chain, run.system
    node = replay(run)
    honest = honest_outputs(node)
    proposals = [log.args for _, log in chain.logs(system.outputs, "Proposed")]
    final = [(pid, batch, output) for pid, batch, output, _, _ in proposals
             if chain.view(system.outputs, "proposal", pid).status == FINALIZED]
    finalized_at = {log.args[0]: n for n, log in chain.logs(system.outputs, "Finalized")}
    paid = [log.args for _, log in chain.logs(system.portal, "Withdrawn")]
    applied = {tx for batch in node.batches for tx in (batch.txs[i] for i in batch.applied)}

    accounts: dict[str, dict[str, int]] = {}
    for raw, (user, amount) in run.withdrawals.items():
        entry = accounts.setdefault(user, {"owed": 0, "paid": 0, "transfers_lost": 0})
        entry["owed"] += amount
    for _, recipient, amount in paid:
        if recipient in accounts:
            accounts[recipient]["paid"] += amount
    for raw, (to, value) in run.transfers.items():
        if raw not in applied and to in accounts:
            accounts[to]["transfers_lost"] += value
    honest_loss = extra_loss + sum(max(0, a["owed"] - a["paid"]) + a["transfers_lost"] for a in accounts.values())

    deposited = sum(log.args[2] for _, log in chain.logs(system.portal, "Deposited"))
    # The bound is when the contract lets anyone finalize; agents react within a few blocks.
    pending = [pid for pid, *_ in proposals if chain.view(system.outputs, "proposal", pid).status == PENDING]
    bound_ok = all(chain.blocks[finalized_at[pid]].timestamp
                   <= chain.view(system.outputs, "finality_bound", pid) + REACTION_S for pid, _, _ in final) and \
        all(chain.time <= chain.view(system.outputs, "finality_bound", pid) + REACTION_S for pid in pending)
    invariants = {
        "no_false_output_final": all(honest.get(batch) == output for _, batch, output in final),
        "every_batch_final": len(final) == len(node.batches) and len(node.batches) > 0,
        "finality_within_bound": bound_ok,
        "honest_withdrawals_paid": all(a["paid"] >= a["owed"] for a in accounts.values()),
        "withdrawals_paid_once": len({i for i, _, _ in paid}) == len(paid),
        "portal_solvent": chain.state.balance(system.portal) == deposited - sum(a for _, _, a in paid),
        **extra,
    }
    games = [log.args for _, log in chain.logs(system.outputs, "GameOver")]
    rounds = {}
    for _, log in chain.logs(system.outputs, "Bisected"):
        rounds[log.args[0]] = rounds.get(log.args[0], 0) + 1
    dispute_gas = _dispute_gas(chain, system)
    summary = [
        f"{len(node.batches)} batches, {sum(len(b.txs) for b in node.batches)} L2 txs, "
        f"{sum(len(b.deposits) for b in node.batches)} deposits, "
        f"{sum(len(b.trace) for b in node.batches)} VM steps; {len(proposals)} proposals, {len(final)} final",
        f"games: {len(games)} ({', '.join(f'#{g}: ' + {CHALLENGER_WON: 'challenger won', DEFENDER_WON: 'defender won'}.get(s, 'void') for g, _, s in games) or 'none'}); "
        f"bisection rounds {rounds or '-'}; dispute L1 gas {dispute_gas}",
        f"withdrawals paid: {len(paid)} ({readable(sum(a for _, _, a in paid))}); "
        f"burnt bonds: {readable(chain.state.balance(BURN))}",
        *notes,
    ]
    return run.finish(name, invariants, honest_loss, summary=summary, accounts=accounts,
                      attack_attempted=attack_attempted)


def _dispute_gas(chain: Chain, system: System) -> int:
    selectors = {Outputs.methods[m].selector for m in DISPUTE_METHODS}
    return sum(receipt.gas_used for block in chain.blocks for tx, receipt in zip(block.transactions, block.receipts)
               if tx.to == system.outputs and tx.data[:4] in selectors)


def bonds_lost(run: Run, names: list[str], before: dict[str, int]) -> int:
    """What ``names`` lost since their L1 balances were ``before``, L1 fees aside: an honest
    party's lost bonds (defending a correct root or disputing a wrong one costs none)."""
    return sum(max(0, -_balance_change(run, n, before[n]) - _spent_gas(run, n)) for n in names)


def _balance_change(run: Run, who: str, start: int) -> int:
    return run.chain.state.balance(run.keys[who].address) - start


# -- the scenarios -------------------------------------------------------------------------------
@scenario("opt-happy-path",
          "deposits, L2 transfers, a token and an escrow call, withdrawals after finality "
          "(no attack; defense=off only takes the challenger offline)",
          defense="on", **COMMON)
def happy_path(seed: int, params: dict) -> ScenarioResult:
    run = build(seed, params)
    with run.sim:
        add_agents(run, challenger={} if params["defense"] == "on" else None)
        run.sim.run(until=horizon(run))
        node = L2Node(run.chain, run.system.portal, run.system.genesis)
        node.sync()
        world = node.world(len(node.batches) - 1)
        sender, recipient, amount = run.token_transfer
        tokens = [node.ex.storage(world, TOKEN_AT, mapping_slot(addr_int(h), 0)) for h in (sender, recipient)]
        extra = {
            "token_transfer_applied": tokens == [1_000 - amount, 1_000 + amount],
            "escrow_opened_and_released": node.ex.storage(world, ESCROW_AT, 0) == 1
            and node.ex.balance(world, ESCROW_AT) == 0,
        }
        return judge(run, "opt-happy-path", extra)


@scenario("opt-invalid-root",
          "the proposer posts a root paying itself the portal's funds; an honest challenger wins "
          "the dispute, the root is removed and the bond slashed (defense=off: no challenger online)",
          defense="on", lie_from=2, lie_min_steps=8, **COMMON)
def invalid_root(seed: int, params: dict) -> ScenarioResult:
    run = build(seed, params)
    with run.sim:
        before = {n: run.chain.state.balance(run.keys[n].address) for n in ("proposer", "challenger")}
        add_agents(run, proposer={"lie_from": params["lie_from"], "lie_min_steps": params["lie_min_steps"]},
                   challenger={} if params["defense"] == "on" else None)
        run.sim.run(until=horizon(run))
        thief = run.keys["proposer"].address
        stolen = sum(log.args[2] for _, log in run.chain.logs(run.system.portal, "Withdrawn") if log.args[1] == thief)
        deleted = [log.args for _, log in run.chain.logs(run.system.outputs, "Deleted")]
        won = [g for g, _, s in (log.args for _, log in run.chain.logs(run.system.outputs, "GameOver"))
               if s == CHALLENGER_WON]
        bond = run.system.config.proposer_bond
        extra = {
            "fraud_challenged_and_removed": bool(won) and bool(deleted),
            "no_theft": stolen == 0,
            "proposer_bond_slashed": bool(won) and _balance_change(run, "proposer", before["proposer"]) < -bond // 2,
        }
        return judge(run, "opt-invalid-root", extra,
                     notes=(f"thief withdrew {readable(stolen)}; {len(deleted)} proposals deleted",),
                     attack_attempted=_lied(run))


@scenario("opt-dishonest-challenger",
          "griefers dispute correct roots and play at random; they lose their bonds and the roots "
          "finalize within window + 2 clocks (defense=off: the proposer does not defend)",
          defense="on", griefers=2, **COMMON)
def dishonest_challenger(seed: int, params: dict) -> ScenarioResult:
    run = build(seed, params)
    with run.sim:
        defended = params["defense"] == "on"
        # Off: nobody defends the roots (the challenger proposes nothing it would not defend).
        add_agents(run, proposer={"defend": defended},
                   challenger={} if defended else {"propose_after_ms": 10**12})
        griefers = [f"griefer-{i}" for i in range(min(params["griefers"], 3))]
        honest = ["proposer", "challenger"]
        before = {n: run.chain.state.balance(run.keys[n].address) for n in griefers + honest}
        for name in griefers:
            run.agents[name] = run.sim.add(Challenger(name, run.sim, run.system, run.keys[name], poll_ms=BLOCK_MS,
                                                      mode="griefer"))
        run.sim.run(until=horizon(run))
        games = [log.args for _, log in run.chain.logs(run.system.outputs, "GameOver")]
        griefer_addrs = {run.keys[n].address for n in griefers}
        opened = [log.args for _, log in run.chain.logs(run.system.outputs, "Challenged") if log.args[2] in griefer_addrs]
        lost_bonds = bonds_lost(run, honest, before)
        extra = {
            "griefers_disputed": bool(opened),
            "griefers_lost_every_game": all(s == DEFENDER_WON for _, _, s in games) and len(games) >= len(opened) > 0,
            "griefers_lost_bonds": all(_balance_change(run, n, before[n]) <= -run.system.config.challenger_bond // 2
                                       for n in griefers),
        }
        return judge(run, "opt-dishonest-challenger", extra, extra_loss=lost_bonds,
                     notes=(f"{len(opened)} griefing disputes; honest parties lost {readable(lost_bonds)} of bonds",),
                     attack_attempted=bool(opened))


@scenario("opt-silent-party",
          "a party stops answering mid-dispute (after its first move) and loses on its chess "
          "clock: silent=proposer, a lying proposer; silent=challenger, a griefer. "
          "defense=off: no chess clock",
          defense="on", silent="proposer", lie_from=2, lie_min_steps=8, **COMMON)
def silent_party(seed: int, params: dict) -> ScenarioResult:
    clock = params["clock_s"] if params["defense"] == "on" else 2**40
    run = build(seed, params, clock_s=clock)
    with run.sim:
        if params["silent"] == "proposer":
            add_agents(run, proposer={"lie_from": params["lie_from"], "lie_min_steps": params["lie_min_steps"],
                                      "silent_after_moves": 1}, challenger={})
        else:
            add_agents(run, challenger={})
            run.agents["griefer-0"] = run.sim.add(Challenger("griefer-0", run.sim, run.system, run.keys["griefer-0"],
                                                             poll_ms=BLOCK_MS, mode="griefer",
                                                             silent_after_moves=1))
        # Judged when every dispute must be over if the clocks hold.
        config = run.system.config
        run.sim.run(until=run.activity_end + 120_000 + 1_000 * (config.window + 2 * params["clock_s"]) + 240_000)
        timeouts = _timeouts(run)
        extra = {"silent_side_lost_on_clock": timeouts > 0}
        silent = run.agents["proposer" if params["silent"] == "proposer" else "griefer-0"]
        # Mounted once the silent party has made the one move it makes in a dispute.
        return judge(run, "opt-silent-party", extra, notes=(f"{timeouts} games ended by timeout",),
                     attack_attempted=silent.store.get("moves", 0) >= 1)


@scenario("opt-sequencer-crash",
          "the sequencer crashes and restarts; every acknowledged transaction is included once "
          "(defense=off: its mempool lives in memory only)",
          defense="on", crashes=3, **COMMON)
def sequencer_crash(seed: int, params: dict) -> ScenarioResult:
    run = build(seed, params)
    with run.sim:
        add_agents(run, challenger={}, sequencer_durable=params["defense"] == "on")
        left = _crash_when_holding(run, params["crashes"])
        run.sim.run(until=horizon(run))
        node = L2Node(run.chain, run.system.portal, run.system.genesis)
        node.sync()
        posted = [tx for b in node.batches for tx in b.txs]
        applied = [b.txs[i] for b in node.batches for i in b.applied]
        acked = set(run.agents["wallet"].acked())
        extra = {
            "no_acked_tx_lost": acked <= set(applied),
            "no_tx_applied_twice": len(applied) == len(set(applied)),
            "no_tx_posted_twice": len(posted) == len(set(posted)),
        }
        return judge(run, "opt-sequencer-crash", extra,
                     notes=(f"{len(acked)} txs acknowledged, {len(set(applied) & acked)} applied",),
                     attack_attempted=left[0] < params["crashes"])


def forced_inclusion_delay(run: Run, raw: bytes) -> tuple[ForcedDelay | None, str]:
    """From the L1 block that recorded L2 transaction ``raw`` as forced to the one whose batch
    included it (None if either never happened), and a summary line."""
    chain, portal = run.chain, run.system.portal
    forced = [b for b, log in chain.logs(portal, "TransactionForced") if log.args[2] == raw]
    node = L2Node(chain, portal, run.system.genesis)
    node.sync()
    batch = next((b.number for b in node.batches if raw in b.txs), None)
    if not forced or batch is None:
        return None, f"forced transaction: {'forced on L1' if forced else 'never forced'}, never included"
    delay = forced_delay(chain, forced[0], next(b for b, log in chain.logs(portal, "BatchPosted") if log.args[0] == batch))
    return delay, delay.text("forced transaction", f"included in batch {batch}") + \
        f" (sequencing window {run.system.config.sequencing_window} s)"


@scenario("censoring-sequencer",
          "the sequencer drops every transaction of one user and never includes forced ones; the user's wallet "
          "forces them through L1 and, once the sequencing window has passed, includes them itself: the "
          "withdrawal is paid after finality (defense=off: no sequencing window, the funds stay stuck on L2)",
          defense="on", sequencing_window_s=600, force_after_s=60, **COMMON)
def censoring_sequencer(seed: int, params: dict) -> ScenarioResult:
    on = params["defense"] == "on"
    window = params["sequencing_window_s"] if on else NEVER
    run = build(seed, params, wallet={"force_after_ms": 1_000 * params["force_after_s"]}, sequencing_window=window)
    victim = run.users[-1].address
    with run.sim:
        add_agents(run, challenger={}, sequencer={"censors": lambda tx: tx.sender == victim})
        run.sim.run(until=horizon(run) + 1_000 * (params["force_after_s"] + params["sequencing_window_s"]) + 60_000)
        raw = next(raw for raw, (user, _) in run.withdrawals.items() if user == victim)
        delay, timing = forced_inclusion_delay(run, raw)
        paid = [log.args for _, log in run.chain.logs(run.system.portal, "Withdrawn") if log.args[1] == victim]
        forced = [log.args[2] for _, log in run.chain.logs(run.system.portal, "TransactionForced")]
        extra = {
            "victim_withdrawal_forced_and_included": delay is not None,
            "included_within_window": delay is not None and delay.seconds <= window + 2 * REACTION_S,
            "victim_withdrawal_paid": bool(paid),
            "bond_ledger_conserved": conserved(run.chain, run.system.ledger),
        }
        return judge(run, "censoring-sequencer", extra, notes=(timing,),
                     attack_attempted=any(L2Tx.decode(tx).sender == victim for tx in forced))


@scenario("fast-exit-fraud",
          "the proposer posts a false output paying itself the portal's funds and offers that withdrawal as a "
          "bonded fast exit; a liquidity provider pays it at once; the challenger wins the dispute, the output is "
          "deleted and the exit's bond covers the provider (defense=off: exits carry no bond, the provider is "
          "not made whole)",
          defense="on", lie_from=2, lie_min_steps=8, **COMMON)
def fast_exit_fraud(seed: int, params: dict) -> ScenarioResult:
    on = params["defense"] == "on"
    run = build(seed, params, exit_bond_bps=10_000 if on else 0)
    with run.sim:
        add_agents(run, proposer={"lie_from": params["lie_from"], "lie_min_steps": params["lie_min_steps"],
                                  "fast_exit": True}, challenger={})
        run.agents["provider"] = run.sim.add(LiquidityProvider("provider", run.sim, run.system, run.keys["provider"],
                                                               poll_ms=BLOCK_MS))
        run.sim.run(until=horizon(run))
        chain, portal, ledger = run.chain, run.system.portal, run.system.ledger
        provider = run.keys["provider"].address
        provided = sum(log.args[2] for _, log in chain.logs(portal, "FastExitProvided") if log.args[1] == provider)
        covered = sum(e.amount for e in history(chain, ledger) if e.action == "slash" and e.party == provider)
        claimed = sum(log.args[2] for _, log in chain.logs(portal, "Withdrawn") if log.args[1] == provider)
        loss = max(0, provided - covered - claimed)
        thief = run.keys["proposer"].address
        stolen = sum(log.args[2] for _, log in chain.logs(portal, "Withdrawn") if log.args[1] == thief)
        extra = {
            "fraud_challenged_and_removed": bool(chain.logs(run.system.outputs, "Deleted")),
            "exit_bond_covered_provider": provided > 0 and loss == 0,
            "no_theft": stolen == 0,
            "bond_ledger_conserved": conserved(chain, ledger),
        }
        return judge(run, "fast-exit-fraud", extra, extra_loss=loss,
                     notes=(f"provider paid {readable(provided)} for fast exits; bonds covered {readable(covered)}, "
                            f"withdrawals {readable(claimed)}",),
                     attack_attempted=provided > 0)


def _crash_when_holding(run: Run, crashes: int) -> list[int]:
    """A fault injector aimed at the worst moments: every second it looks whether the
    sequencer holds an acknowledged transaction that L1 does not have yet, and if so crashes
    it (at most ``crashes`` times, down for 5 to 20 seconds). Returns ``[crashes left]``,
    kept up to date as the run goes."""
    sim, sequencer = run.sim, run.agents["sequencer"]
    chaos, left = sim.scheduler.rng("chaos"), [crashes]
    watcher = L2Node(run.chain, run.system.portal, run.system.genesis)

    def check() -> None:
        if not left[0] or not sequencer.up or not sequencer.store.keys("tx/"):
            return
        watcher.sync()
        included = watcher.included()
        if any(bytes.fromhex(sequencer.store.get(k)[1]) not in included for k in sequencer.store.keys("tx/")):
            left[0] -= 1
            sim.crash("sequencer", sim.scheduler.now + chaos.randint(0, 900), chaos.randint(5_000, 20_000))
    sim.scheduler.every(1_000, "chaos: watch the sequencer", check, until=run.activity_end + 60_000)
    return left


def _lied(run: Run) -> bool:
    """Whether some proposed output differs from the one the honest replay of L1 data gives."""
    honest = honest_outputs(replay(run))
    return any(honest.get(batch) != output for _, batch, output, _, _ in
               (log.args for _, log in run.chain.logs(run.system.outputs, "Proposed")))


def _timeouts(run: Run) -> int:
    selector = Outputs.methods["timeout"].selector
    return sum(1 for block in run.chain.blocks for tx, r in zip(block.transactions, block.receipts)
               if tx.to == run.system.outputs and tx.data[:4] == selector and r.status)


def _spent_gas(run: Run, who: str) -> int:
    address = run.keys[who].address
    return sum(r.fee for block in run.chain.blocks for tx, r in zip(block.transactions, block.receipts)
               if tx.sender == address)


# -- a rotating, staked sequencer set under a stated ordering policy ---------------------------
BOUNTY_AT = "0x" + "b0" * 20
PRIZE, ANSWER = ETHER // 10, 0x5EC7E7
SLOT_S, EPOCH_SLOTS, BACKUP_S, INCLUSION_S = 60, 10, 20, 120
SET_COMMON = dict(users=4, loss=0.05, blobs=False)


@dataclass(kw_only=True)
class SetRun(kit.Run):
    """A world whose portal's sequencer is a :class:`SequencerSet`; ``sent``: every L2
    transaction the users sent, as ``raw -> (recipient, value)``."""

    system: System
    gate: str
    ledger: str
    users: list[Key]
    keys: dict[str, Key]
    sent: dict[bytes, tuple[str, int]] = field(default_factory=dict)


def build_set(seed: int, params: dict, members: dict[str, tuple[int, dict]], backup_after: int,
              policy: str = "fcfs") -> SetRun:
    """The set (``members``: name -> (stake, agent options)) under ordering ``policy`` with its
    wallet, L2 users holding ether and the bounty, and each user sending two payments between
    40 and 160 s. Under the priority auction the fee vault runs its program
    (:func:`~prozchain.rollup.vm.examples.fee_vault_genesis`), paying out at the calls of the
    ``distributor`` key: the auction's proceeds go back to the users on L2."""
    sim = Simulation(seed, NetworkConfig(latency_ms=(10, 400), loss=params["loss"], duplicate=0.05))
    users = [Key.from_seed(f"user-{i}".encode()) for i in range(params["users"])]
    keys = {n: Key.from_seed(n.encode()) for n in ("deployer", "wallet", "distributor", *members)}
    chain = Chain({k.address: 100 * ETHER for k in users + list(keys.values())})
    deployer = keys["deployer"]
    ledger, _ = chain.deploy(deployer, BondLedger)
    gate, _ = chain.deploy(deployer, SequencerSet, ledger, chain.time + SLOT_S, SLOT_S, EPOCH_SLOTS, backup_after,
                           ETHER, policy)
    vault_code, vault_storage = fee_vault_genesis(keys["distributor"].address) if policy == "priority-auction" \
        else ({}, {})
    genesis = Genesis(balances={**{u.address: ETHER for u in users}, BOUNTY_AT: PRIZE},
                      code={BOUNTY_AT: BOUNTY, **vault_code},
                      storage={**bounty_storage(BOUNTY_AT, ANSWER), **vault_storage})
    system = deploy(chain, deployer, gate, genesis, Config(), ledger=ledger)
    chain.transact(deployer, gate, "link", system.portal)
    for name, (stake, _) in members.items():
        chain.transact(keys[name], gate, "join", value=stake, gas_limit=300_000)
    chain.transact(deployer, gate, "draw_seed", gas_limit=300_000)  # epoch 0's seed block: the next one
    run = SetRun(sim=sim, params=params, chain=chain, system=system, gate=gate, ledger=ledger, users=users, keys=keys)
    sim.produce_blocks(chain, BLOCK_MS, until=10**12)
    run.agents["wallet"] = sim.add(ReceiptWallet("wallet", sim, system, keys["wallet"], poll_ms=BLOCK_MS,
                                                 members=list(members), gate=gate, watch=params["defense"] == "on"))
    for name, (_, options) in members.items():
        run.agents[name] = sim.add(SetMember(name, sim, system, keys[name], poll_ms=BLOCK_MS, gate=gate,
                                             blobs=params["blobs"], inclusion_s=INCLUSION_S, **options))
    rng = sim.scheduler.rng("users")
    for u in users:
        for nonce, at in enumerate(sorted(rng.randint(40_000, 160_000) for _ in range(2))):
            peer = rng.choice([p for p in users if p is not u])
            send_l2(run, at, u, L2Tx(nonce, peer.address, rng.randint(1, 50) * ETHER // 1_000))
    return run


def send_l2(run: SetRun, at: int, user: Key, tx: L2Tx) -> None:
    raw = tx.sign(user).encode()
    run.sent[raw] = (tx.to, tx.value)
    run.sim.scheduler.at(at, f"{user.address[:10]}: L2 tx {tx.nonce}", lambda: run.agents["wallet"].send_l2(raw))


def judge_set(run: SetRun, name: str, extra: dict[str, bool], extra_loss: int = 0,
              attack_attempted: Optional[bool] = None, notes: tuple[str, ...] = ()) -> ScenarioResult:
    """No sent transaction lost (each applied on the L2 that L1 data gives), bonds conserved,
    plus the scenario's own; the honest loss is the value of the lost transactions and
    ``extra_loss``."""
    chain = run.chain
    node = L2Node(chain, run.system.portal, run.system.genesis)
    node.sync()
    applied = {batch.txs[i] for batch in node.batches for i in batch.applied}
    lost = {raw: value for raw, (_, value) in run.sent.items() if raw not in applied}
    names = {k.address: n for n, k in run.keys.items()}
    posters = Counter(names[log.args[1]] for _, log in chain.logs(run.gate, "Sequenced"))
    slashed = [names.get(log.args[0], log.args[0]) for _, log in chain.logs(run.gate, "Slashed")]
    stakes = bonds(chain, run.ledger)
    invariants = {"no_transaction_lost": not lost, "bonds_conserved": conserved(chain, run.ledger), **extra}
    by = ', '.join(f'{n} x{k}' for n, k in sorted(posters.items())) or 'nobody'
    summary = [f"{len(node.batches)} batches by {by}; "
               f"{len(applied)} L2 txs applied, {len(lost)} of {len(run.sent)} sent lost",
               f"leaders skipped: {len(chain.logs(run.gate, 'Skipped'))}; slashed: {', '.join(slashed) or 'nobody'}; "
               f"bonds: {', '.join(f'{names[b.owner]} {readable(b.held)} held' for b in stakes)}",
               *notes]
    accounts = {names[b.owner]: {"staked": b.amount, "slashed": b.slashed} for b in stakes}
    return run.finish(name, invariants, extra_loss + sum(lost.values()), summary=summary, accounts=accounts,
                      attack_attempted=attack_attempted)


@scenario("mev-reorder", "the sequencer (first come first served, bonded) front-runs a bounty claim it had "
          "receipted; the victim's receipt and the batch on L1 prove it and its bond pays the victim",
          defense="on", **SET_COMMON)
def mev_reorder(seed: int, params: dict) -> ScenarioResult:
    run = mev_world(seed, params)
    run.sim.run(until=600_000)
    attacker = run.keys["sequencer"].address
    node = L2Node(run.chain, run.system.portal, run.system.genesis)
    node.sync()
    stolen = node.ex.balance(node.world(len(node.batches) - 1), attacker) if node.batches else 0
    paid = sum(e.amount for e in _slashes(run) if e.party == run.keys["wallet"].address)
    return judge_set(run, "mev-reorder",
                     {"front_run_slashed": bool(run.chain.logs(run.gate, "Slashed")),
                      "victim_made_whole": paid >= stolen},
                     extra_loss=max(0, stolen - paid),
                     attack_attempted=run.agents["sequencer"].store.get("front-ran") is not None,
                     notes=(f"bounty taken by the front-runner: {readable(stolen)}; paid to the victim's wallet "
                            f"from the bond: {readable(paid)}",))


def mev_world(seed: int, params: dict) -> SetRun:
    """One front-running sequencer (first come first served, 2 ether staked) and, after the
    users' payments, user 0's claim of the bounty."""
    run = build_set(seed, params, {"sequencer": (2 * ETHER, {"mode": "front-run", "target": BOUNTY_AT})},
                    backup_after=0)
    send_l2(run, 200_000, run.users[0], L2Tx(2, BOUNTY_AT, args=(1, ANSWER), gas_limit=100_000))
    return run


def _slashes(run: SetRun) -> list:
    return [e for e in history(run.chain, run.ledger) if e.action == "slash"]


@scenario("sequencer-rotation", "three staked sequencers take turns by stake; the largest goes silent or "
          "censors a user; the next in the slot's ranking takes over (the censor is slashed) and no "
          "transaction is lost", defense="on", fault="silent", **SET_COMMON)
def sequencer_rotation(seed: int, params: dict) -> ScenarioResult:
    if params["fault"] not in ("silent", "censor"):
        raise ScenarioError(f"fault must be 'silent' or 'censor', not {params['fault']!r}")
    victim = Key.from_seed(b"user-0").address
    faulty = {"mode": params["fault"], "victim": victim}
    members = {"seq-0": (4 * ETHER, faulty)}
    if params["defense"] == "on":  # off: today's single sequencer, nobody to rotate to
        members.update({"seq-1": (2 * ETHER, {}), "seq-2": (ETHER, {})})
    run = build_set(seed, params, members, backup_after=BACKUP_S if params["defense"] == "on" else 0)
    run.sim.run(until=900_000)
    address = run.keys["seq-0"].address
    skipped = [log.args for _, log in run.chain.logs(run.gate, "Skipped") if log.args[1] == address]
    slashed = [log.args for _, log in run.chain.logs(run.gate, "Slashed") if log.args[0] == address]
    if params["fault"] == "silent":
        last_slot = run.chain.view(run.gate, "slot_at", run.chain.time)
        attempted = any(run.chain.view(run.gate, "leaders", s)[:1] == [address] for s in range(last_slot + 1)
                        if run.chain.view(run.gate, "seed_of", s // EPOCH_SLOTS))
    else:
        censored = [raw for raw in run.sent if L2Tx.decode(raw).sender == victim]
        attempted = any(run.agents["seq-0"].store.get(f"rcpt/{keccak(raw).hex()}") for raw in censored)
    return judge_set(run, "sequencer-rotation",
                     {"faulty_leader_skipped": bool(skipped or slashed),
                      **({"censor_slashed": bool(slashed)} if params["fault"] == "censor" else {})},
                     attack_attempted=attempted)


from prozchain.rollup.optimistic import zk_scenarios  # noqa: E402,F401  (registers the proven-segment scenarios)
