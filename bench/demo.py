"""The workbench end to end, every result checked: the first stop of ``prozchain demo`` (the
tour, :mod:`prozchain.rollup.sdk.tour`).

1. The native BN254 arithmetic against py_ecc on the same random inputs (the seed is printed,
   ``--seed`` replays it), timed beside it: medians over a few runs in this process.
2. Groth16 on a circuit written in the Python DSL (a Poseidon Merkle inclusion proof): compile,
   solve the witness, a development setup, prove, verify, and tampered proofs refused.
3. A small ZK rollup end to end on the reference L1: users deposit, the operator proves batches
   of transfers with real Groth16 proofs, the verifier contract checks them through the pairing
   precompile; per batch the transactions, constraints, witness and proving times, verification
   gas, data bytes and L1 gas per transaction, then the proven transfers per second.

>>> rows = run_checks(seed=7, quick=True)
>>> all(row.agrees for row in rows)
True
>>> steps = groth16_round_trip(seed=7, depth=3)
>>> [step.what for step in steps if not step.agrees]
[]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from dataclasses import dataclass
from typing import Callable, Optional

from py_ecc import optimized_bn128 as ob

from prozchain.native.curve import R
from prozchain.native.errors import InvalidPointError
from prozchain.prover import G1Point, G2Point, current_backend, pairing, pairing_check
from prozchain.prover.twist import twist_point_outside_g2


@dataclass
class Row:
    what: str
    native_s: float
    py_ecc_s: Optional[float]
    agrees: bool


def median_time(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def run_checks(seed: int, quick: bool = False) -> list[Row]:
    """Each check: the native operation and py_ecc's on the same inputs, timed, compared."""
    rng = random.Random(seed)
    runs, slow_runs = (3, 1) if quick else (50, 3)
    g1, g2 = G1Point.generator(), G2Point.generator()
    a, b = rng.randrange(R), rng.randrange(R)
    rows = []

    t_native, point = median_time(lambda: g1 * a, runs)
    t_ref, expected = median_time(lambda: ob.multiply(ob.G1, a), slow_runs)
    rows.append(Row("G1 scalar multiplication", t_native, t_ref, point == G1Point.from_py_ecc(expected)))

    t_native, point = median_time(lambda: g2 * b, runs)
    t_ref, expected = median_time(lambda: ob.multiply(ob.G2, b), slow_runs)
    rows.append(Row("G2 scalar multiplication", t_native, t_ref, point == G2Point.from_py_ecc(expected)))

    p, q = g1 * a, g2 * b
    t_native, value = median_time(lambda: pairing(p, q), runs)
    t_ref, expected = median_time(lambda: ob.pairing(q.to_py_ecc(), p.to_py_ecc()), slow_runs)
    rows.append(Row("pairing e(aP, bQ)", t_native, t_ref, value.to_py_ecc() == expected))

    base = pairing(g1, g2)
    rows.append(Row("bilinearity e(aP, bQ) = e(P, Q)^(ab)", 0.0, None, value == base ** (a * b)))

    pairs = [(p, q), (-(g1 * (a * b % R)), g2)]
    t_native, holds = median_time(lambda: pairing_check(pairs), runs)
    rows.append(Row("pairing check e(aP, bQ) e(-abP, Q) = 1", t_native, None, holds))
    return rows


def groth16_round_trip(seed: int, depth: int = 8) -> list[Row]:
    """Compile, solve, set up, prove and verify a Merkle inclusion proof; time every step.

    Setup and proving run on the C core whatever the current backend: on the pure-Python
    reference they take minutes even for this small circuit.
    """
    from prozchain.circuits.examples.merkle_inclusion import MerkleInclusion, sample_input
    from prozchain.native import get_backend
    from prozchain.native.kernels import ints_to_array
    from prozchain.prover.groth16 import Proof, verify
    from prozchain.prover.groth16.prover import prove
    from prozchain.prover.groth16.setup import constraint_system, dev_setup

    steps = []

    def step(what: str, fn: Callable[[], object], agrees: Callable[[object], bool] = lambda _: True):
        start = time.perf_counter()
        result = fn()
        steps.append(Row(what, time.perf_counter() - start, None, bool(agrees(result))))
        return result

    circuit = step(f"compile MerkleInclusion(depth={depth})", lambda: MerkleInclusion(depth=depth).compile())
    witness = step(f"solve the witness ({circuit.r1cs.n_constraints:,} constraints)",
                   lambda: circuit.solve(sample_input(depth)))
    c = get_backend("c")
    key = step("development setup (single party)",
               lambda: dev_setup(constraint_system(circuit.r1cs), seed=seed, backend=c))
    proof, public = step("prove", lambda: prove(key, ints_to_array(witness), backend=c))
    vk = key.verification_key()
    step("verify", lambda: verify(vk, public, proof), bool)
    forged = Proof(proof.c, proof.b, proof.a)
    step("a tampered proof is refused", lambda: verify(vk, public, forged), lambda ok: not ok)
    step("another root is refused", lambda: verify(vk, [(public[0] + 1) % R], proof), lambda ok: not ok)
    return steps


def funded_rollup(seed: int, slots: int, depth: int, transfer_batches: int, farm=None, seal: bool = True) -> tuple:
    """A rollup on a fresh reference L1 whose ``slots`` users have deposited (that batch proven
    and verified on L1), with ``transfer_batches`` full batches of signed transfers sealed:
    ``(pipeline, batches, ok)``. ``farm``: the pipeline proves on this
    :class:`~prozchain.prover.farm.Farm`. ``seal=False``: the transfers wait in the mempool
    (``batches`` is empty), for a caller that times the sealing."""
    from prozchain.circuits.gadgets.eddsa import public_key
    from prozchain.circuits.txtypes import Tx, sign_tx
    from prozchain.rollup.l1 import Chain, Key
    from prozchain.rollup.common.units import ETHER
    from prozchain.rollup.zk.agents import Pipeline
    from prozchain.rollup.zk.system import UNIT, circuit_and_key, deploy

    rng = random.Random(seed)
    spec, compiled, zkey = circuit_and_key(slots=slots, depth=depth)
    users = [Key.from_seed(f"demo-user-{i}".encode()) for i in range(slots)]
    l2 = [f"demo-l2-{i}".encode().ljust(32, b".") for i in range(slots)]
    operator = Key.from_seed(b"demo-operator")
    chain = Chain({k.address: 100 * ETHER for k in users + [operator]})
    system = deploy(chain, operator, operator, spec, zkey.verification_key())
    pipeline = Pipeline(system, compiled, zkey, farm=farm)
    ok = True
    for user, key in zip(users, l2):
        ok &= chain.transact(user, system.rollup, "deposit", *public_key(key), value=10**6 * UNIT,
                             gas_limit=300_000).status
    ok &= pipeline.run_batch()[1].status  # serves the deposit queue: user i owns account i + 1
    for nonce in range(transfer_batches):  # signed up front: the mempool holds every batch's worth
        for i in range(slots):
            tx = Tx("transfer", {"from": i + 1, "to": (i + 1) % slots + 1, "amount": rng.randint(1, 999),
                                 "fee": rng.randint(1, 9)})
            ok &= pipeline.accept(sign_tx(tx, [l2[i]], [nonce])) is None
    return pipeline, [pipeline.seal() for _ in range(transfer_batches if seal else 0)], ok


def rollup_demo(seed: int, slots: int = 4, depth: int = 8, transfer_batches: int = 3) -> tuple[list, float, bool]:
    """Deposit, then ``transfer_batches`` full batches of signed transfers, proven (each next
    witness solved while the previous batch is proven) and verified on L1; returns the
    operator's per-batch stats, the wall time of the transfer batches' proving, and whether
    every check held.

    4 slots at depth 8 is 65,446 constraints: the 2^16 domain is full, no padding is wasted
    (2 slots fill 2^15 the same way; 3 would waste a quarter of 2^16). Per transaction the
    witness time is about constant and the proving time nearly so, so bigger batches mostly buy
    fewer L1 submissions (less gas per transaction) at the price of a longer one-time setup.
    """
    from prozchain.rollup.zk.node import ZkNode

    pipeline, batches, ok = funded_rollup(seed, slots, depth, transfer_batches)
    started = time.perf_counter()
    proofs = pipeline.prove_overlapped(batches)
    overlapped_s = time.perf_counter() - started
    for batch, (proof, stats) in zip(batches, proofs):
        ok &= batch.n_txs == slots and pipeline.submit(batch, proof, stats).status
    chain, rollup = pipeline.system.chain, pipeline.system.rollup
    node = ZkNode(chain, rollup, depth)
    node.sync()  # a fresh node rebuilds the state from L1 data alone
    ok &= node.tree.root == chain.view(rollup, "state").root
    return pipeline.stats, overlapped_s, ok


def refusals(seed: int) -> list[tuple[str, str]]:
    """Malformed points from outside, each with the error that refuses it."""
    rng = random.Random(seed)
    cases = {
        "G1 point off the curve": lambda: G1Point.from_affine(1, 3),
        "G1 coordinate not below p": lambda: G1Point.from_affine(1 + ob.field_modulus, 2),
        "G2 point on the twist, outside the subgroup": lambda: G2Point.from_affine(*twist_point_outside_g2(rng)),
    }
    out = []
    for what, make in cases.items():
        try:
            make()
            out.append((what, "ACCEPTED (this is a bug)"))
        except InvalidPointError as exc:
            message = str(exc)
            out.append((what, message if len(message) < 110 else message[:50] + " ... " + message[-55:]))
    return out


def _time(seconds: Optional[float]) -> str:
    if seconds is None or seconds == 0.0:
        return "-"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


def main(args: argparse.Namespace) -> int:
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    backend = current_backend()
    print(f"ProzChain L2 demo: BN254 arithmetic on the '{backend.name}' backend, checked against py_ecc")
    if backend.name.startswith("c"):
        from prozchain.native.core import path_summary

        print(f"C core path: {path_summary()}")
    print(f"seed {seed} (replay with --seed {seed})\n")
    rows = run_checks(seed, quick=args.quick)
    print(f"{'check':<42}{'native':>12}{'py_ecc':>12}{'speed-up':>11}  agrees")
    for row in rows:
        ratio = f"{row.py_ecc_s / row.native_s:,.0f}x" if row.py_ecc_s and row.native_s else "-"
        print(f"{row.what:<42}{_time(row.native_s):>12}{_time(row.py_ecc_s):>12}{ratio:>11}  "
              f"{'yes' if row.agrees else 'NO'}")
    print("\nPoints from outside are validated:")
    for what, message in refusals(seed):
        print(f"  {what}: {message}")
    print("\nGroth16 on a Poseidon Merkle inclusion circuit written in the Python DSL:")
    steps = groth16_round_trip(seed)
    for step in steps:
        print(f"  {step.what:<52}{_time(step.native_s):>12}  {'ok' if step.agrees else 'FAILED'}")
    print("\nA ZK rollup on the reference L1 (4-slot batches, tree depth 8, real Groth16 proofs, "
          "one-time key setup cached on disk):")
    started = time.perf_counter()
    stats, overlapped_s, rollup_ok = rollup_demo(seed)
    print(f"  (circuit, key, deposits and {len(stats)} batches in {time.perf_counter() - started:.1f} s)")
    print(f"  {'batch':>5}{'txs':>5}{'constraints':>13}{'witness':>10}{'prove':>10}{'verify gas':>12}"
          f"{'data B':>8}{'L1 gas/tx':>11}")
    for s in stats:
        print(f"  {s.number:>5}{s.txs:>5}{s.constraints:>13,}{_time(s.witness_s):>10}{_time(s.prove_s):>10}"
              f"{s.verify_gas:>12,}{s.data_bytes:>8}{s.gas_per_tx:>11,.0f}")
    transfers = sum(s.txs for s in stats[1:])
    print(f"  proven transfers/s on this machine: {transfers / overlapped_s:.2f} ({transfers} transfers proven in "
          f"{overlapped_s:.1f} s wall, witnesses overlapping proofs; goal 50/s, not reached)")
    ok = all(row.agrees for row in rows + steps) and rollup_ok
    print("\nall results check out" if ok else "\nFAILURE: see above")
    return 0 if ok else 1

