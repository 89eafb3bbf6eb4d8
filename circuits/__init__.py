"""The circuit DSL: write circuits in Python, compile them to R1CS, solve and debug witnesses.

>>> from prozchain.circuits import Circuit
>>> class Square(Circuit):
...     def define(self):
...         x = self.public_input("x")
...         self.output("y", x * x)
>>> c = Square().compile()
>>> c.outputs(c.solve({"x": 12}))
{'y': 144}
"""

from prozchain.circuits.api import assert_bool, assert_equal, assert_mul, assert_nonzero, assert_zero, gadget, hint, mul_add, scope
from prozchain.circuits.circuit import Circuit, CompiledCircuit, compile_function
from prozchain.circuits.errors import BranchOnVariableError, CircuitError
from prozchain.circuits.lc import Var, linear_sum
from prozchain.circuits.stamp import subcircuit
from prozchain.relations import R1CS, ConstraintError, SparseMatrix, WitnessError

__all__ = [
    "Circuit",
    "CompiledCircuit",
    "compile_function",
    "R1CS",
    "SparseMatrix",
    "Var",
    "linear_sum",
    "hint",
    "assert_equal",
    "assert_zero",
    "assert_mul",
    "assert_bool",
    "assert_nonzero",
    "mul_add",
    "gadget",
    "scope",
    "subcircuit",
    "CircuitError",
    "BranchOnVariableError",
    "ConstraintError",
    "WitnessError",
]
