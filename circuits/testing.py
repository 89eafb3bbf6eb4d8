"""A test helper for circuit authors: good witnesses must satisfy the system, bad ones must not.

>>> from prozchain.circuits import Circuit
>>> from prozchain.circuits.testing import check_circuit
>>> class Square(Circuit):
...     def define(self):
...         x, y = self.private_input("x"), self.public_input("y")
...         self.output("ok", x * x - y)         # 0 when x*x == y
>>> c = Square().compile()
>>> good = c.solve({"x": 3, "y": 9})
>>> bad = list(good); bad[1] = 1              # claim the output is 1
>>> check_circuit(c, valid=[{"x": 3, "y": 9}, good], invalid=[bad])
"""

from __future__ import annotations

from typing import Mapping, Sequence, Union

from prozchain.circuits.circuit import CompiledCircuit
from prozchain.circuits.errors import CircuitError
from prozchain.relations.errors import WitnessError

Case = Union[Mapping[str, object], Sequence[int]]


def _witness(compiled: CompiledCircuit, case: Case) -> list[int]:
    if isinstance(case, Mapping):
        return compiled.solve(case, check=False)
    return list(case)


def check_circuit(compiled: CompiledCircuit, valid: Sequence[Case] = (), invalid: Sequence[Case] = ()) -> None:
    """Assert each ``valid`` case (inputs dict or full witness) satisfies the constraints, and each
    ``invalid`` one does not (for an inputs dict: solving it fails or its witness is rejected)."""
    for i, case in enumerate(valid):
        try:
            compiled.check(_witness(compiled, case))
        except (CircuitError, WitnessError) as exc:
            raise AssertionError(f"valid case {i} is rejected: {exc}") from exc
    for i, case in enumerate(invalid):
        try:
            witness = _witness(compiled, case)
        except (CircuitError, WitnessError):
            continue
        if not len(compiled.r1cs.failing(witness)):
            raise AssertionError(f"invalid case {i} satisfies every constraint of {compiled.name}")
