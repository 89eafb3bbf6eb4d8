"""Constraint counts per gadget, like a profiler's table.

Each row is a gadget scope path (nested gadgets join with '/'): how many times it was entered,
the constraints made directly in it ("self") and with everything it called ("total").

>>> from prozchain.circuits import Circuit, gadget
>>> @gadget("cube")
... def cube(x):
...     return x * x * x
>>> class Two(Circuit):
...     def define(self):
...         x = self.private_input("x")
...         self.output("y", cube(x) + cube(x + 1))
>>> print(format_counts(constraint_counts(Two().compile())))
gadget    calls      self     total
Two           1         1         5
Two/cube      2         4         4
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from prozchain.circuits.circuit import CompiledCircuit


@dataclass
class GadgetCount:
    path: str
    calls: int
    self_constraints: int
    total_constraints: int


def constraint_counts(compiled: CompiledCircuit) -> list[GadgetCount]:
    """One row per gadget scope, in path order."""
    per_site = np.bincount(compiled.r1cs.constraint_site, minlength=len(compiled.site_scope))
    own: dict[str, int] = {}
    for site, count in enumerate(per_site.tolist()):
        if count:
            scope = compiled.site_scope[site]
            own[scope] = own.get(scope, 0) + count
    paths = sorted(set(own) | set(compiled.scope_calls))
    rows = []
    for path in paths:
        total = sum(n for p, n in own.items() if p == path or p.startswith(path + "/"))
        rows.append(GadgetCount(path, compiled.scope_calls.get(path, 0), own.get(path, 0), total))
    return rows


def format_counts(rows: list[GadgetCount]) -> str:
    width = max([len("gadget")] + [len(r.path) for r in rows])
    lines = [f"{'gadget':<{width}}  {'calls':>5}  {'self':>8}  {'total':>8}"]
    for r in rows:
        lines.append(f"{r.path:<{width}}  {r.calls:>5}  {r.self_constraints:>8}  {r.total_constraints:>8}")
    return "\n".join(lines)
