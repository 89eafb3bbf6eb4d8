"""Errors of the circuit layer: a circuit written or used wrongly. A witness that cannot be solved or
violates a constraint raises the relations layer's :class:`~prozchain.relations.WitnessError`
or :class:`~prozchain.relations.ConstraintError`, as the prover does."""

from prozchain.native.errors import ProzError


class CircuitError(ProzError):
    """A circuit was written or used wrongly (bad declaration, bad input, misuse of a variable)."""


class BranchOnVariableError(CircuitError, TypeError):
    """Python control flow asked for a variable's value, which would make the circuit depend on the witness."""


