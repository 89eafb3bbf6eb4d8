"""Compile ``Segment(k)`` and solve its witness over k covered steps of a contract's loop,
printing wall and CPU times and the peak memory (issue 24's numbers at scale).

Run: ``python -m prozchain.bench.segment_scale 256`` (stamped, the default compile) or
``python -m prozchain.bench.segment_scale 64 --inline`` (every step traced: the slower
compile the stamped one must equal). The witness is checked, then solved again with the
post-state root plus one, which the check must refuse.
"""

from __future__ import annotations

import argparse
import resource
import time

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


def loop_segment(k: int) -> tuple[Executor, Context]:
    """A Poseidon executor running :data:`LOOP` and the context that begins k covered steps."""
    sender, contract = Key.from_seed(b"alice"), "0x" + "c0" * 20
    ex = Executor(POSEIDON)
    world = ex.genesis({sender.address: 10**18}, {contract: assemble(LOOP)}, {})
    tx = L2Tx(nonce=0, to=contract, value=0, args=(10**6,), gas_limit=1_000_000, gas_price=0).sign(sender)
    trace = ex.run(ex.start(world, 0, [], [tx.encode()]), max_steps=400 + 8 * k)
    start = next(i for i in range(len(trace)) if all(covered(ex, trace.contexts[j]) for j in range(i, i + k)))
    return ex, trace.contexts[start]


def _since(start: tuple[float, float]) -> str:
    return f"{time.perf_counter() - start[0]:.1f} s wall, {time.process_time() - start[1]:.1f} s CPU"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("k", type=int, help="steps in the segment")
    parser.add_argument("--inline", action="store_true", help="trace every step instead of stamping it")
    args = parser.parse_args(argv)
    ex, ctx = loop_segment(args.k)
    clock = time.perf_counter(), time.process_time()
    circuit = Segment(args.k).compile(stamp=not args.inline)
    r = circuit.r1cs
    print(f"Segment({args.k}), {'inline' if args.inline else 'stamped'}: {r.n_constraints} constraints, "
          f"{r.A.nnz + r.B.nnz + r.C.nnz} terms, {r.n_wires} wires")
    print(f"compile  {_since(clock)} (peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB)")
    inputs = segment_inputs(ex, ctx, args.k)
    clock = time.perf_counter(), time.process_time()
    circuit.solve_array(inputs)
    print(f"witness  {_since(clock)} (solve and check)")
    try:
        circuit.solve_array(dict(inputs, post_root=inputs["post_root"] + 1))
        print("a wrong post-state root was ACCEPTED")
    except ConstraintError as exc:
        print(f"a wrong post-state root is rejected: constraint {exc.index}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")


if __name__ == "__main__":
    main()
