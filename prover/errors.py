"""Errors of the prover layer, in one module as each rollup room keeps its own; each says what
was wrong and where (file, field, section, point).

A witness that does not fit (wrong length, a value not below r, a violated constraint) raises the
relations layer's :class:`~prozchain.relations.WitnessError` or
:class:`~prozchain.relations.ConstraintError`, the same errors the DSL's solver raises.

>>> from prozchain.prover.errors import SetupError
>>> from prozchain.native.errors import ProzError
>>> issubclass(SetupError, ProzError) and issubclass(SetupError, ValueError)
True
"""

from prozchain.native.errors import ProzError


class ProvingKeyError(ProzError, ValueError):
    """The proving key produced a value no valid key can (a B2 MSM outside G2)."""


class KeyMismatchError(ProvingKeyError):
    """A key whose header or section 4 is not what setup makes from the given circuit."""


class SelfCheckError(ProzError):
    """The proof just made does not verify under the key's own verification key: the witness
    does not satisfy the circuit, or the key is corrupted (see :mod:`prozchain.prover.groth16.satisfaction`)."""


class SetupError(ProzError, ValueError):
    """A constraint system setup cannot take (too big for the field's 2-adicity, malformed)."""


class DevPtauError(ProzError, ValueError):
    """A development ceremony that cannot be made as asked (a power out of range)."""


class InvalidPublicInputs(ProzError, ValueError):
    """Public inputs that cannot belong to the key: a wrong count, or a value not below R."""


class InvalidVerificationKey(ProzError, ValueError):
    """A degenerate verification key (see :func:`prozchain.prover.groth16.keys.degenerate`)."""
