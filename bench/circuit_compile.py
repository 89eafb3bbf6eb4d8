"""Compile and solve a circuit of about 2^k constraints, printing times and peak memory.

Run: ``python -m prozchain.bench.circuit_compile 20`` (a chain of 2^k multiplications, each with a new
constant) or ``python -m prozchain.bench.circuit_compile 20 poseidon`` (a chain of Poseidon(2) hashes,
240 constraints each, as many as fit in 2^k).
"""

from __future__ import annotations

import resource
import sys
import time

from prozchain.circuits import Circuit
from prozchain.circuits.gadgets.poseidon import poseidon


class Chain(Circuit):
    """``b' = a * b + 3 x + i`` (a new constant each step) ``n - 1`` times, plus the output: n constraints."""

    def __init__(self, n: int):
        self.n = n

    def define(self) -> None:
        x = self.private_input("x")
        a, b = x, x + 1
        for i in range(self.n - 1):
            a, b = b, a * b + 3 * x + i
        self.output("y", b)


class PoseidonChain(Circuit):
    """``h_{i+1} = Poseidon(h_i, x)``, ``n`` times: 240 n + 1 constraints."""

    def __init__(self, n: int):
        self.n = n

    def define(self) -> None:
        x = self.private_input("x")
        h = x
        for _ in range(self.n):
            h = poseidon([h, x])
        self.output("h", h)


def main(log_n: int = 20, kind: str = "chain") -> None:
    n = 1 << log_n
    t0 = time.perf_counter()
    compiled = Chain(n).compile() if kind == "chain" else PoseidonChain(n // 240).compile()
    t1 = time.perf_counter()
    rss_compile = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    witness = compiled.solve({"x": 5}, check=False)
    t2 = time.perf_counter()
    compiled.check(witness)
    t3 = time.perf_counter()
    rss_total = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"constraints {compiled.r1cs.n_constraints}  wires {compiled.r1cs.n_wires}")
    print(f"compile {t1 - t0:.1f} s (peak RSS {rss_compile:.0f} MiB)")
    print(f"solve   {t2 - t1:.1f} s, check {t3 - t2:.1f} s (peak RSS {rss_total:.0f} MiB)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20, sys.argv[2] if len(sys.argv) > 2 else "chain")
