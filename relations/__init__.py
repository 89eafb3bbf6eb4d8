"""Constraint systems and their witnesses: what circuits produce and the prover consumes.

The layer below both the DSL (:mod:`prozchain.circuits`) and the proof system
(:mod:`prozchain.prover`), as arkworks' relations crate is: the sparse R1CS types
(:mod:`prozchain.relations.r1cs`), the files of the circom ecosystem that carry them
(:mod:`prozchain.relations.formats`: the iden3 container, ``.r1cs``, ``.wtns``, ``.sym``), and
the errors a bad witness or file raises. It imports only :mod:`prozchain.native`.

>>> from prozchain.relations import R1CS, SparseMatrix
>>> square = SparseMatrix.from_rows([[(1, 1)]], table := [1])
>>> R1CS(3, 0, 0, 2, square, square, SparseMatrix.from_rows([[(2, 1)]], table), table).check([1, 3, 9])
"""

from prozchain.relations.errors import ConstraintError, FormatError, WitnessError

from prozchain.native.lazy import lazy

__all__ = ["R1CS", "SparseMatrix", "ConstraintError", "FormatError", "WitnessError"]

# on first use: importing the package for a light module (a one-shot proof) loads no numpy
__getattr__ = lazy(__name__, {
    "R1CS": "prozchain.relations.r1cs",
    "SparseMatrix": "prozchain.relations.r1cs",
})
