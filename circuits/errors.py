"""Errors of the circuit layer; each names the signal, wire or constraint that is wrong."""

from prozchain.native.errors import ProzError


class CircuitError(ProzError):
    """A circuit was written or used wrongly (bad declaration, bad input, misuse of a variable)."""


class BranchOnVariableError(CircuitError, TypeError):
    """Python control flow asked for a variable's value, which would make the circuit depend on the witness."""


class WitnessError(CircuitError, ValueError):
    """A witness could not be computed from the inputs (missing signal, failing hint, bad value)."""


class ConstraintError(CircuitError, ValueError):
    """A witness violates a constraint; ``index``, ``site`` and ``values`` say which and how."""

    def __init__(self, message: str, index: int, site: str, values: tuple[int, int, int]):
        super().__init__(message)
        self.index = index
        self.site = site
        self.values = values
