"""Groth16 in a test: a development key per circuit, and ``assert_proves`` (solve, prove, verify).

The key of a circuit is set up once and cached by the SHA-256 of its constraint system, in
memory and on disk (``directory``; the pytest plugin passes pytest's cache folder), so a suite
pays for a setup once per circuit, not once per test or run. A development setup knows its
toxic waste: these keys are for tests only.

>>> from prozchain.circuits import Circuit
>>> from prozchain.testing import assert_proves
>>> class Cube(Circuit):
...     def define(self):
...         x = self.private_input("x")
...         self.output("y", x * x * x)
>>> proof, public = assert_proves(Cube(), {"x": 3})
>>> public
[27]
>>> [p for _, p in assert_proves(Cube(), [{"x": 2}, {"x": 4}])]   # many at once: one batch verification
[[8], [64]]
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Optional, Sequence, Union

from prozchain.circuits.circuit import Circuit, CompiledCircuit
from prozchain.circuits.errors import CircuitError
from prozchain.circuits.testing import compiled_of
from prozchain.native import get_backend
from prozchain.native.kernels import ints_to_array
from prozchain.prover.formats.zkey import ZKey
from prozchain.prover.groth16 import Proof, batch_verify
from prozchain.prover.groth16.prover import prove
from prozchain.relations.errors import WitnessError
from prozchain.rollup.common.keys import proving_key

Inputs = Mapping[str, object]


def groth16_key(circuit: Union[Circuit, CompiledCircuit], directory: Optional[Path] = None) -> ZKey:
    """The development Groth16 key of ``circuit``, cached by circuit hash in memory and under
    ``directory`` (default: ``$PROZ_ZK_KEYS`` or the temp folder)."""
    return proving_key(compiled_of(circuit), directory)


def assert_proves(circuit: Union[Circuit, CompiledCircuit], inputs: Union[Inputs, Sequence[Inputs]],
                  directory: Optional[Path] = None
                  ) -> Union[tuple[Proof, list[int]], list[tuple[Proof, list[int]]]]:
    """Solve ``inputs`` (one inputs dict, or a list of them), prove each under the circuit's
    development key and verify the proofs (many at once with ``batch_verify``); return the
    ``(proof, public)`` pair, or the list of pairs. An ``AssertionError`` names what failed: the
    first violated constraint (index, gadget label and source line, values), or the proof."""
    __tracebackhide__ = True  # pytest shows the caller's line and this message, not these frames
    compiled = compiled_of(circuit)
    cases = [inputs] if isinstance(inputs, Mapping) else list(inputs)
    witnesses = []
    for i, case in enumerate(cases):
        try:
            witnesses.append(compiled.solve(case))
        except (CircuitError, WitnessError) as exc:
            where = "" if isinstance(inputs, Mapping) else f" (case {i})"
            raise AssertionError(f"{compiled.name}: the inputs{where} are not a valid witness: {exc}") from None
    key = groth16_key(compiled, directory)
    backend = get_backend("c")
    proven = [prove(key, ints_to_array(w), backend=backend) for w in witnesses]
    result = batch_verify(key.verification_key(), [(public, proof) for proof, public in proven])
    if not result:
        raise AssertionError(f"{compiled.name}: the proof of case(s) {result.bad} does not verify under its key")
    return proven[0] if isinstance(inputs, Mapping) else proven
