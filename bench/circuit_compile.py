"""Compile and solve a circuit of 2^k constraints, printing times and peak memory.

Run: ``python -m bench.circuit_compile 20`` (a chain of squarings plus linear mixing, 2^k
constraints).
"""

from __future__ import annotations

import sys
import resource
import time

from circuits import Circuit


class Chain(Circuit):
    """``n`` multiplications, each mixing the previous two products linearly: n + 1 constraints."""

    def __init__(self, n: int):
        self.n = n

    def define(self) -> None:
        x = self.private_input("x")
        a, b = x, x + 1
        for i in range(self.n - 1):
            a, b = b, a * b + 3 * a + i
        self.output("y", b)


def main(log_n: int = 20) -> None:
    n = 1 << log_n
    t0 = time.perf_counter()
    compiled = Chain(n).compile()
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
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
