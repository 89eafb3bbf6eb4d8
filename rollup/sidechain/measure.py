"""Numbers for the README: throughput and time to finality with 4, 16 and 64 validators, and
the L1 gas of checkpoints and bridged transfers under each security model.

Run ``prozchain measure sidechain`` (add ``--quick`` to skip 64 validators, ``--gas`` for the L1
gas tables only, ``--zk 4,16,64`` for the ZK light client against the signature-checking models
at those set sizes: :func:`checkpoint_cost`; ``--enterprise`` for the enterprise chain's proven
exit against the public one: :func:`enterprise_numbers`). Throughput
and finality are in *simulated* time (network latency 10-200 ms, 2 % loss, the default
timeouts); the wall time each simulation took on this machine is printed beside them.

>>> row = consensus_numbers(4, sim_ms=6_000, load=4)
>>> row["validators"], row["blocks"] > 0
(4, True)
"""

from __future__ import annotations

import argparse
import time
import random
from statistics import mean, median

from prozchain.circuits.gadgets.eddsa import sign
from prozchain.cli import UsageError
from prozchain.rollup.common.units import ETHER
from prozchain.rollup.l1 import Key
from prozchain.rollup.sidechain.contracts.bridge import Bridge
from prozchain.rollup.sidechain.contracts.modes import STAKING, ZK
from prozchain.rollup.sidechain.errors import SidechainError
from prozchain.rollup.sidechain.node.chain import ChainState, Genesis, ValidatorSet
from prozchain.rollup.sidechain.node.checkpoint import Checkpoint
from prozchain.rollup.sidechain.node.quorum import eddsa_secret, proof_sigs
from prozchain.rollup.sidechain.node.consensus import ConsensusConfig, StaticL1, network
from prozchain.rollup.sidechain.contracts.private_exits import PrivateExits
from prozchain.rollup.sidechain.system import MODES, Config, build, preset
from prozchain.rollup.sim import Simulation
from prozchain.rollup.sim.network import NetworkConfig
from prozchain.rollup.vm import BRIDGE, L2Tx


MODE_LABELS = {"threshold": "threshold (3 of 4 keys)",
               "staking": "staking (>2/3 of stake, 4 validators, headers posted)",
               "optimistic": "optimistic (headers posted, 1 ETH bond)"}


def consensus_numbers(n: int, sim_ms: int = 30_000, load: int = 50, seed: int = 1) -> dict:
    """``n`` validators under ``load`` transfers per simulated second."""
    keys = [Key.from_seed(f"measure-{i}".encode()) for i in range(n)]
    senders = [Key.from_seed(f"measure-user-{i}".encode()) for i in range(64)]
    l1 = StaticL1(ValidatorSet([(k.address, 1) for k in keys]))
    decided: dict[int, list[int]] = {}
    started = time.perf_counter()
    with Simulation(seed, NetworkConfig(latency_ms=(10, 200), loss=0.02)) as sim:
        vals = network(sim, keys, Genesis({s.address: 10**6 for s in senders}), l1,
                       ConsensusConfig(max_txs=512))
        for v in vals:
            v.on_decide.append(lambda v, block, cert: decided.setdefault(block.height, []).append(
                v.sim.scheduler.now - block.header.time))
        nonces = [0] * len(senders)
        rng = sim.scheduler.rng("load")
        for k in range(load * sim_ms // 1_000):
            i = rng.randrange(len(senders))
            raw = L2Tx(nonces[i], senders[(i + 1) % len(senders)].address, 1).sign(senders[i]).encode()
            nonces[i] += 1
            at = k * 1_000 // load
            sim.scheduler.at(at, "load", lambda raw=raw: [sim.network.send("user", v.name, raw) for v in vals])
        sim.run(until=sim_ms)
        height = min(v.chain.height for v in vals)
        txs = sum(len(vals[0].chain.blocks[h].txs) for h in range(1, height + 1))
    wall = time.perf_counter() - started
    full = [max(times) for h, times in decided.items() if len(times) == n and h <= height]
    return {"validators": n, "blocks": height, "txs": txs, "blocks_per_s": height * 1_000 / sim_ms,
            "tx_per_s": txs * 1_000 / sim_ms, "finality_ms": mean(full) if full else float("nan"),
            "sim_s": sim_ms / 1_000, "wall_s": wall}


def gas_numbers(mode: str, seed: int = 1) -> dict:
    """Mean L1 gas of a checkpoint, a deposit and a withdrawal (prove + process) in ``mode``."""
    users = [Key.from_seed(f"measure-bridge-{i}".encode()) for i in range(4)]
    system = build(seed, Config(mode=MODES[mode], window=20), users=users)
    chain = system.chain
    with system.sim:
        for i, u in enumerate(users):
            system.sim.scheduler.at(1_000 + 500 * i, "deposit", lambda u=u: chain.submit(
                chain.build(u, system.bridge, "deposit", u.address, value=ETHER, gas_limit=200_000)))
            raw = L2Tx(0, "0x" + BRIDGE.to_bytes(20, "big").hex(), ETHER // 2).sign(u).encode()
            system.sim.scheduler.at(20_000, "burn", lambda raw=raw: [
                system.sim.network.send("user", v.name, raw) for v in system.validators])
        system.sim.run(until=80_000)
    by_method = _bridge_gas(system)
    avg = {m: round(mean(g)) for m, g in by_method.items()}
    withdrawal = avg.get("prove_withdrawal", 0) + avg.get("process_withdrawal", 0)
    return {"mode": mode, "checkpoint": avg.get("submit_checkpoint", 0), "deposit": avg.get("deposit", 0),
            "withdrawal": withdrawal, "transfer_round_trip": avg.get("deposit", 0) + withdrawal,
            "checkpoints": len(by_method.get("submit_checkpoint", [])),
            "withdrawals": len(by_method.get("process_withdrawal", []))}


def _bridge_gas(system) -> dict[str, list[int]]:
    """Gas of the successful L1 transactions to the bridge, by method."""
    by_method: dict[str, list[int]] = {}
    selectors = {m.selector: name for name, m in Bridge.methods.items()}
    for block in system.chain.blocks:
        for tx, receipt in zip(block.transactions, block.receipts):
            if tx.to == system.bridge and receipt.status:
                by_method.setdefault(selectors.get(tx.data[:4], "?"), []).append(receipt.gas_used)
    return by_method


def fraud_numbers(mode: str, seed: int = 6) -> dict:
    """L1 gas of the fraud proof (and, under staking, of slashing the signers) against the
    forged checkpoint of ``bridge-forged-message``: a 4-block checkpoint whose last block claims
    a world paying a thief, re-executed on L1 step by step."""
    from prozchain.rollup.sidechain.scenarios import _invalid_block
    _, result, system = _invalid_block(seed, {"defense": "on", "loss": 0.02}, True, MODES[mode])
    gas = _bridge_gas(system)
    (challenge,) = gas["challenge"]
    return {"mode": mode, "challenge": challenge, "slash_signers": sum(gas.get("slash_signers", [])),
            "signers_slashed": len(system.chain.logs(system.staking, "Slashed")), "ok": result.ok}


def checkpoint_cost(mode: str, n: int, blocks: int = 4, seed: int = 1) -> dict:
    """The L1 gas of one checkpoint of ``blocks`` blocks with ``n`` validators in ``mode``, signed
    by the fewest that make a quorum (2n/3 + 1 of equal stake), and, under ``zk``, the quorum
    circuit's constraints and the seconds to set up its key (once per set size; cached on disk,
    see :func:`~prozchain.rollup.common.keys.proving_key`), to solve a witness and to prove
    (on the C core). Only L1 runs: the checkpoint's headers are built on a chain of their own.

    >>> checkpoint_cost("threshold", 4)["gas"] > 0
    True
    """
    started = time.perf_counter()
    system = build(seed, Config(mode=MODES[mode], validators=n, min_signers=min(n, 4)))
    setup_s = time.perf_counter() - started
    state = ChainState(system.genesis)
    for i in range(blocks):
        state.commit(state.build(system.validator_keys[0].address, time=i + 1))
    headers = state.headers[1:]
    signers = system.validator_keys[:2 * n // 3 + 1]
    row = {"mode": mode, "validators": n, "signers": len(signers)}
    if system.config.mode == ZK:
        cp = Checkpoint.cover(1, headers, headers[0].epoch)
        statement = system.statement(cp, cp.epoch)
        addresses = system.l1.validator_set(cp.epoch).addresses
        sigs = {addresses.index(k.address): sign(eddsa_secret(k), statement.signed) for k in signers}
        prover = system.prover
        t = time.perf_counter()
        witness = prover.witness(system.members(cp.epoch), statement, sigs)
        solve_s = time.perf_counter() - t
        t = time.perf_counter()
        proof = prover.prove_witness(witness)
        row.update(constraints=prover.compiled.r1cs.n_constraints, setup_s=setup_s, witness_s=solve_s,
                   prove_s=time.perf_counter() - t)
        args = (*cp.args(), [], proof_sigs(proof, statement), system.client)
    else:
        cp = Checkpoint.cover(1, headers, headers[-1].epoch)
        posted = [h.encode() for h in headers] if system.config.mode == STAKING else []
        args = (*cp.args(), posted, [cp.sign(k) for k in signers], system.client)
    receipt = system.chain.transact(system.keys["relayer"], system.bridge, "submit_checkpoint", *args,
                                    gas_limit=30_000_000)
    if not receipt.status:
        raise SidechainError(f"{mode} checkpoint with {n} validators refused: {receipt.error}")
    row["gas"] = receipt.gas_used
    return row


def enterprise_numbers(users: int = 4, proofs: int = 5, seed: int = 1) -> dict:
    """The enterprise chain's exit: :class:`~prozchain.rollup.sidechain.node.exits.ExitCircuit`'s
    constraints, its median witness + prove time over ``proofs`` proofs, and the L1 gas of
    ``commit_exits`` (once per checkpoint) and of each ``exit`` (a pairing check and the payment),
    for ``users`` members who each burnt half a deposit."""
    members = [Key.from_seed(f"measure-enterprise-{i}".encode()) for i in range(users)]
    system = build(seed, preset("enterprise", window=20), users=members)
    chain, rng = system.chain, random.Random(seed)
    with system.sim:
        for i, u in enumerate(members):
            system.sim.scheduler.at(1_000 + 500 * i, "deposit", lambda u=u: chain.submit(
                chain.build(u, system.bridge, "deposit", u.address, value=ETHER, gas_limit=200_000)))
            raw = system.seal(L2Tx(0, "0x" + BRIDGE.to_bytes(20, "big").hex(), ETHER // 2).sign(u).encode(), rng)
            system.sim.scheduler.at(10_000, "burn", lambda raw=raw: [
                system.sim.network.send("user", v.name, raw) for v in system.validators])
        system.sim.run(until=45_000)
        for u in members:
            system.exit_privately(u)
    selectors = {m.selector: name for name, m in PrivateExits.methods.items()}
    gas: dict[str, list[int]] = {}
    for block in chain.blocks:
        for tx, receipt in zip(block.transactions, block.receipts):
            if tx.to == system.exits and receipt.status:
                gas.setdefault(selectors[tx.data[:4]], []).append(receipt.gas_used)
    prover, records = system.exit_prover, [(u.address, ETHER // 2) for u in members]
    times = []
    for _ in range(proofs):
        started = time.perf_counter()
        prover.prove(records, 0)
        times.append(time.perf_counter() - started)
    return {"constraints": prover.compiled.r1cs.n_constraints, "prove_s": median(times),
            "commit_exits": round(mean(gas["commit_exits"])), "exit": round(mean(gas["exit"])),
            "exits": len(gas["exit"])}


def zk_table(sizes: list[int]) -> str:
    """The Markdown table of :func:`checkpoint_cost` for each set size in ``sizes``."""
    lines = ["| validators | threshold gas | staking gas (headers posted) | ZK gas | ZK constraints | "
             "ZK witness s | ZK prove s | ZK key setup s |", "|---|---|---|---|---|---|---|---|"]
    for n in sizes:
        t, s, z = (checkpoint_cost(mode, n) for mode in ("threshold", "staking", "zk"))
        lines.append(f"| {n} | {t['gas']:,} | {s['gas']:,} | {z['gas']:,} | {z['constraints']:,} | "
                     f"{z['witness_s']:.1f} | {z['prove_s']:.1f} | {z['setup_s']:.0f} |")
    return "\n".join(lines)


def register(subparsers: argparse._SubParsersAction) -> None:
    """``prozchain measure sidechain`` (listed in :data:`prozchain.cli.MEASUREMENTS`)."""
    parser = subparsers.add_parser("sidechain", help="consensus throughput and finality, L1 gas of the bridge",
                                   description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 64-validator run")
    parser.add_argument("--gas", action="store_true", help="only the L1 gas tables")
    parser.add_argument("--zk", metavar="SIZES", help="only the ZK light client against the signature-checking "
                        "models, for these comma-separated set sizes (e.g. 4,16,64)")
    parser.add_argument("--enterprise", action="store_true",
                        help="only the enterprise chain's proven exit against the public withdrawal")
    parser.set_defaults(func=measure_command)


def measure_command(args: argparse.Namespace) -> int:
    """The page's tables (docs/sidechain.md), in Markdown: the consensus figures unless
    ``--gas``, then the L1 gas ones, which are deterministic and on the page as printed here;
    with ``--zk``, only the light-client comparison; with ``--enterprise``, only the exit comparison."""
    if args.enterprise:
        e, public = enterprise_numbers(), gas_numbers("threshold")
        print("| exit | constraints | witness + prove s (median) | L1 gas per exit | L1 gas per checkpoint |\n"
              "|---|---|---|---|---|")
        print(f"| enterprise: Groth16 proof of inclusion in the quorum-signed exits root (`exit`) | "
              f"{e['constraints']:,} | {e['prove_s']:.2f} | {e['exit']:,} | {e['commit_exits']:,} (`commit_exits`) |")
        print(f"| threshold: the record opened in the public world root (`prove_withdrawal` + "
              f"`process_withdrawal`) | — | — | {public['withdrawal']:,} | — |")
        print(f"\nMeans over {e['exits']} exits and {public['withdrawals']} public withdrawals.")
        return 0
    if args.zk:
        try:
            sizes = [int(n) for n in args.zk.split(",")]
        except ValueError:
            raise UsageError(f"--zk takes comma-separated set sizes, not {args.zk!r}") from None
        if any(n < 1 for n in sizes):
            raise UsageError("--zk: a set has at least one validator")
        print(zk_table(sizes))
        return 0
    if not args.gas:
        print("| validators | blocks/s (sim) | tx/s (sim) | time to finality (sim ms) | simulated s | wall s |\n"
              "|---|---|---|---|---|---|")
        for n in (4, 16) if args.quick else (4, 16, 64):
            r = consensus_numbers(n, sim_ms=30_000 if n < 64 else 10_000)
            print(f"| {r['validators']} | {r['blocks_per_s']:.2f} | {r['tx_per_s']:.1f} | {r['finality_ms']:.0f} | "
                  f"{r['sim_s']:.0f} | {r['wall_s']:.1f} |")
        print()
    print("| security model | L1 gas per checkpoint (4 blocks) | deposit | withdrawal (prove + process) "
          "| per bridged round trip |\n|---|---|---|---|---|")
    counts = set()
    for mode in ("threshold", "staking", "optimistic"):
        g = gas_numbers(mode)
        counts.add((g["checkpoints"], g["withdrawals"]))
        print(f"| {MODE_LABELS[mode]} | {g['checkpoint']:,} | {g['deposit']:,} | {g['withdrawal']:,} | "
              f"{g['transfer_round_trip']:,} |")
    print("\nMeans over " + "; ".join(f"{c} checkpoints and {w} withdrawals" for c, w in sorted(counts))
          + " per model.")
    print("\n| fraud proof (the `bridge-forged-message` forged checkpoint, seed 6) | L1 gas of `challenge` "
          "(re-executes the disputed block step by step) | slashing the signers |\n|---|---|---|")
    for mode in ("optimistic", "staking"):
        f = fraud_numbers(mode)
        slashing = (f"{f['slash_signers']:,} (`slash_signers`, {f['signers_slashed']} signers)" if f["slash_signers"]
                    else "— (the poster's bond is taken in `challenge`)")
        print(f"| {mode} | {f['challenge']:,} | {slashing} |" + ("" if f["ok"] else "  (the scenario FAILED)"))
    return 0
