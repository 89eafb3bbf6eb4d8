"""Compile ``Segment(k)`` and solve its witness over k covered steps of a contract's loop,
printing wall and CPU times and the peak memory of each phase (issue 24's numbers at scale);
with ``--prove`` also the development setup, a proof and its verification.

Run: ``python -m prozchain.bench.segment_scale 256`` (stamped, the default compile) or
``python -m prozchain.bench.segment_scale 64 --inline`` (every step traced: the slower
compile the stamped one must equal). The witness is checked, then solved again with the
post-state root plus one, which the check must refuse.

``python -m prozchain.bench.segment_scale 64 --prove DIR`` holds no more than one phase needs
at a time: the key goes straight to ``DIR/segment64.zkey`` (the streamed setup, from the
compiled circuit's CSR arrays), the circuit is dropped once the witness is solved, and the
proof reads the key in place from the file, a section at a time, as ``prozchain groth16
prove`` does.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from pathlib import Path
from typing import Callable, TypeVar

import numpy as np

from prozchain.native import get_backend
from prozchain.prover.formats.zkey import ZKey, read_zkey
from prozchain.prover.groth16.prover import prove
from prozchain.prover.groth16.setup import constraint_system, write_dev_setup
from prozchain.prover.groth16.verifier import verify
from prozchain.relations.errors import ConstraintError
from prozchain.rollup.l1.crypto import Key
from prozchain.rollup.vm import Executor, L2Tx
from prozchain.rollup.vm.circuit import Segment, covered, segment_inputs
from prozchain.rollup.vm.isa import assemble
from prozchain.rollup.vm.merkle import POSEIDON
from prozchain.rollup.vm.state import Context

LOOP = """
    SET r1, 0
    SET r2, 1
loop:
    ADD r1, r1, r2
    SSTORE r2, r1
    SLOAD r3, r2
    MUL r4, r3, r1
    LT r5, r1, r0
    JUMPI r5, loop
    REVERT
"""
"""The contract: storage written and read every round, a multiplication and a branch."""

T = TypeVar("T")


def loop_segment(k: int) -> tuple[Executor, Context]:
    """A Poseidon executor running :data:`LOOP` and the context that begins k covered steps."""
    sender, contract = Key.from_seed(b"alice"), "0x" + "c0" * 20
    ex = Executor(POSEIDON)
    world = ex.genesis({sender.address: 10**18}, {contract: assemble(LOOP)}, {})
    tx = L2Tx(nonce=0, to=contract, value=0, args=(10**6,), gas_limit=1_000_000, gas_price=0).sign(sender)
    trace = ex.run(ex.start(world, 0, [], [tx.encode()]), max_steps=400 + 8 * k)
    start = next(i for i in range(len(trace)) if all(covered(ex, trace.contexts[j]) for j in range(i, i + k)))
    return ex, trace.contexts[start]


def _peak_gib() -> float:
    """This process's peak resident memory since the last :func:`phase` began (VmHWM), GiB."""
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) / 2**20


def phase(name: str, fn: Callable[[], T], record: dict) -> T:
    """Run ``fn``, print and keep in ``record[name]`` its wall and CPU seconds (every thread)
    and its peak RSS: the kernel's high-water mark is reset first (``/proc/self/clear_refs``),
    so each phase's peak is its own."""
    Path("/proc/self/clear_refs").write_text("5")
    clock = time.perf_counter(), time.process_time()
    out = fn()
    wall, cpu, peak = time.perf_counter() - clock[0], time.process_time() - clock[1], _peak_gib()
    record[name] = {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "peak_rss_gib": round(peak, 2)}
    print(f"{name:8} {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {peak:.2f} GiB (load {os.getloadavg()[0]:.1f})",
          flush=True)
    return out


def key_and_witness(k: int, folder: Path, record: dict) -> tuple[ZKey, np.ndarray]:
    """Compile ``Segment(k)``, set its development key up into ``folder`` (streamed, from the
    circuit's CSR arrays) and solve the witness, each a :func:`phase` in ``record`` (with the
    constraint and wire counts); then drop the circuit and open the key in place, as
    ``prozchain groth16 prove`` does, one more phase: our own key, just written, so no point
    checks, but the records' ranges and the points' coordinates are still read through once."""
    ex, ctx = loop_segment(k)
    circuit = phase("compile", lambda: Segment(k).compile(), record)
    record["constraints"], record["wires"] = circuit.r1cs.n_constraints, circuit.r1cs.n_wires
    path = folder / f"segment{k}.zkey"
    phase("setup", lambda: write_dev_setup(path, constraint_system(circuit.r1cs), backend=get_backend("c")), record)
    witness = phase("witness", lambda: circuit.solve_array(segment_inputs(ex, ctx, k)), record)
    del circuit
    gc.collect()
    return phase("open", lambda: read_zkey(path, check="none", in_place=True), record), witness


def prove_segment(k: int, folder: Path, record: dict) -> bool:
    """:func:`key_and_witness`, then a proof from the key file (its sections read a chunk at a
    time and released) and its verification, two more phases. Returns whether it verifies."""
    key, witness = key_and_witness(k, folder, record)
    proof, public = phase("prove", lambda: prove(key, witness, get_backend("c"), one_shot=True), record)
    return phase("verify", lambda: verify(key.verification_key(), public, proof), record)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("k", type=int, help="steps in the segment")
    parser.add_argument("--inline", action="store_true", help="trace every step instead of stamping it")
    parser.add_argument("--prove", type=Path, metavar="DIR", help="also set up (the key into DIR), prove and verify")
    args = parser.parse_args(argv)
    record: dict = {}
    print(f"load {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")
    if args.prove:
        args.prove.mkdir(parents=True, exist_ok=True)
        ok = prove_segment(args.k, args.prove, record)
        print(f"Segment({args.k}): {record['constraints']} constraints, {record['wires']} wires; "
              f"the proof {'verifies' if ok else 'does NOT verify'}")
        return
    ex, ctx = loop_segment(args.k)
    circuit = phase("compile", lambda: Segment(args.k).compile(stamp=not args.inline), record)
    r = circuit.r1cs
    print(f"Segment({args.k}), {'inline' if args.inline else 'stamped'}: {r.n_constraints} constraints, "
          f"{r.A.nnz + r.B.nnz + r.C.nnz} terms, {r.n_wires} wires")
    inputs = segment_inputs(ex, ctx, args.k)
    phase("witness", lambda: circuit.solve_array(inputs), record)
    try:
        circuit.solve_array(dict(inputs, post_root=inputs["post_root"] + 1))
        print("a wrong post-state root was ACCEPTED")
    except ConstraintError as exc:
        print(f"a wrong post-state root is rejected: constraint {exc.index}")


if __name__ == "__main__":
    main()
