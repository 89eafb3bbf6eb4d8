"""The numbers of the shielded pool's docs page: ``prozchain measure shielded [--depth D]
[--proofs N]``.

- the join-split's constraints, in all and by part (ownership, amounts, Merkle paths, hashes);
- witness and prove time per private transaction (median of ``--proofs`` transfers, C backend);
- L1 gas of a deposit, a private transfer and a withdrawal (whole transactions), split into the
  Groth16 verification, the note tree's Poseidon hashes and the rest;
- beside them, a public ZK-rollup transfer's share of a proven 2-slot batch on the same L1.

>>> rows = constraint_split(compiled_join_split(depth=2))
>>> rows["total"], rows["Merkle paths (2)"]
(6456, 970)
"""

from __future__ import annotations

import argparse
import random
from statistics import median

from prozchain.circuits.circuit import CompiledCircuit
from prozchain.circuits.gadgets.eddsa import public_key
from prozchain.circuits.report import constraint_counts
from prozchain.circuits.txtypes import Tx, sign_tx
from prozchain.rollup.common.units import ETHER
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.l1 import gas as G
from prozchain.rollup.shielded.agents import GAS_LIMIT, PoolTx, Wallet
from prozchain.rollup.l1.crypto import keccak256
from prozchain.rollup.shielded.contracts import ext_data_hash
from prozchain.rollup.shielded.notes import NoteKey
from prozchain.rollup.shielded.errors import ShieldedError
from prozchain.rollup.shielded.system import DEPTH, circuit_and_key, compiled_join_split, deploy
from prozchain.rollup.zk.agents import Pipeline
from prozchain.rollup.l1.gas import POSEIDON_GAS
from prozchain.rollup.zk.system import UNIT
from prozchain.rollup.zk.system import circuit_and_key as rollup_circuit_and_key
from prozchain.rollup.zk.system import deploy as deploy_rollup

PARTS = {"ownership (sk < l, sk * BASE8)": ("in0/owner", "in1/owner"),
         "amount ranges (4 x 64 bits)": ("in0/amount range", "in1/amount range", "out0/amount range",
                                         "out1/amount range"),
         "Merkle paths (2)": ("in0/note in tree", "in1/note in tree"),
         "note hashes (2 leaves, 2 nullifiers, 2 commitments)": ("in0/poseidon(4)", "in1/poseidon(4)", "in0/nullifier",
                                                                 "in1/nullifier", "out0/commitment", "out1/commitment")}


def constraint_split(compiled: CompiledCircuit) -> dict[str, int]:
    """The join-split's constraints in all and by part (the rest: the value and distinctness checks)."""
    totals = {row.path: row.total_constraints for row in constraint_counts(compiled)}
    rows = {"total": compiled.r1cs.n_constraints}
    for label, scopes in PARTS.items():
        rows[label] = sum(totals.get(f"{compiled.name}/{scope}", 0) for scope in scopes)
    rows["the rest (value conserved, distinct nullifiers, ext data)"] = 2 * rows["total"] - sum(rows.values())
    return rows


def _send(chain: Chain, who: Key, pool: str, tx: PoolTx) -> int:
    receipt = chain.transact(who, pool, "transact", *tx.args(), value=tx.value, gas_limit=GAS_LIMIT)
    assert receipt.status, receipt.error
    return receipt.gas_used


def pool_numbers(depth: int = DEPTH, proofs: int = 3) -> dict[str, object]:
    """Witness and prove seconds (medians over ``proofs`` private transfers) and the L1 gas of
    each kind of pool transaction, with the verification's and the tree's shares."""
    who = Key.from_seed(b"measure-shielded")
    chain = Chain({who.address: 100 * ETHER})
    compiled, zkey = circuit_and_key(depth)
    spec, _, rollup_key = rollup_circuit_and_key()
    system = deploy_rollup(chain, who, who, spec, rollup_key.verification_key())
    pool = deploy(chain, who, zkey.verification_key(), system.rollup, depth)
    alice = Wallet(NoteKey.from_seed(b"alice"), pool, compiled, zkey, random.Random(1))
    bob = NoteKey.from_seed(b"bob").public
    gas = {"deposit": _send(chain, who, pool.pool, alice.deposit(10 * proofs + 10))}
    alice.sync()
    transfers = []
    for _ in range(proofs):
        transfers.append(_send(chain, who, pool.pool, alice.pay(10, bob)))
        alice.sync()
    gas["private transfer"] = max(transfers)
    chain.transact(who, system.rollup, "deposit", *public_key(b"measure".ljust(32, b".")), value=UNIT,
                   gas_limit=300_000)
    gas["withdrawal (into a rollup account)"] = _send(chain, who, pool.pool,
                                                     alice.withdraw(5, public_key(b"measure".ljust(32, b"."))))
    tx = alice.deposit(1)
    public = [tx.root, tx.public_amount, ext_data_hash(*tx.recipient, tx.encrypted, keccak256), *tx.nullifiers,
              *tx.commitments]
    verify = chain.transact(who, pool.verifier, "verify", public, tx.proof, gas_limit=1_000_000)
    assert verify.status and verify.return_value
    data = chain.calldata(pool.verifier, "verify", (public, tx.proof))
    timed = alice.timings[1:1 + proofs]
    return {"witness_s": median(w for w, _ in timed), "prove_s": median(p for _, p in timed), "gas": gas,
            "verify_gas": verify.gas_used - G.intrinsic_gas(data, False), "tree_gas": depth * POSEIDON_GAS[2]}


def rollup_transfer_share() -> tuple[int, int]:
    """A proven 2-slot batch of 2 public transfers on the ZK rollup: its gas, and per transfer."""
    who, other = Key.from_seed(b"measure-rollup-a"), Key.from_seed(b"measure-rollup-b")
    chain = Chain({who.address: 100 * ETHER, other.address: 100 * ETHER})
    spec, compiled, zkey = rollup_circuit_and_key()
    system = deploy_rollup(chain, who, who, spec, zkey.verification_key())
    pipeline = Pipeline(system, compiled, zkey)
    seeds = [b"measure-a".ljust(32, b"."), b"measure-b".ljust(32, b".")]
    for key, seed in zip((who, other), seeds):
        chain.transact(key, system.rollup, "deposit", *public_key(seed), value=1_000 * UNIT, gas_limit=300_000)
    pipeline.run_batch()
    for i in range(2):
        tx = sign_tx(Tx("transfer", {"from": i + 1, "to": 2 - i, "amount": 5, "fee": 1}), [seeds[i]], [0])
        pipeline.accept(tx)
    _, receipt, _ = pipeline.run_batch()
    return receipt.gas_used, receipt.gas_used // spec.slots


def register(subparsers: argparse._SubParsersAction) -> None:
    """``prozchain measure shielded`` (listed in :data:`prozchain.cli.MEASUREMENTS`)."""
    parser = subparsers.add_parser("shielded", help="join-split constraints, prove time, L1 gas per private transfer",
                                   description=__doc__.split("\n\n")[0])
    parser.add_argument("--depth", type=int, default=DEPTH, help=f"depth of the note tree (default {DEPTH})")
    parser.add_argument("--proofs", type=int, default=3, help="private transfers to time (default 3)")
    parser.set_defaults(func=measure_command)


def measure_command(args: argparse.Namespace) -> int:
    if not 1 <= args.depth <= 32 or args.proofs < 1:
        raise ShieldedError(f"--depth must be 1..32 and --proofs at least 1 (got {args.depth}, {args.proofs})")
    for label, count in constraint_split(compiled_join_split(args.depth)).items():
        print(f"join-split constraints, {label}: {count:,}")
    numbers = pool_numbers(args.depth, args.proofs)
    print(f"witness {numbers['witness_s']:.2f} s, prove {numbers['prove_s']:.2f} s (C backend, median of {args.proofs})")
    for what, gas in numbers["gas"].items():
        print(f"L1 gas, {what}: {gas:,} (verification {numbers['verify_gas']:,}, note tree {numbers['tree_gas']:,})")
    batch, share = rollup_transfer_share()
    print(f"L1 gas, ZK rollup public transfer: {share:,} (its share of a 2-slot batch of {batch:,})")
    return 0
