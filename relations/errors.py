"""Errors of the relations layer, shared by the DSL that makes witnesses and the prover that uses
them; each names the file, section, wire or constraint that is wrong."""

from __future__ import annotations

from prozchain.native.errors import ProzError


class FormatError(ProzError, ValueError):
    """A file is not what its format says; the message names the file, the section and the problem."""


class JSONFormatError(FormatError):
    """A JSON file or object (snarkjs's proof, public values or key; a circuit's inputs) that is
    not what it claims to be; the message names the file and the field."""


class WitnessError(ProzError, ValueError):
    """A witness that could not be computed or does not fit its constraint system (missing input,
    failing hint, wrong length, a value not below r, wire 0 not the constant 1)."""


class ConstraintError(WitnessError):
    """A witness violates a constraint: ``index`` is the first one, ``site`` where it was made (a
    gadget label and source line, or a file), ``values`` its ``(<A,w>, <B,w>, <C,w>)``."""

    def __init__(self, message: str, index: int, site: str = "", values: tuple[int, int, int] | None = None):
        super().__init__(message)
        self.index = index
        self.site = site
        self.values = values
