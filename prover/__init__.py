"""The prover's Python face: field elements, curve points and pairings over BN254.

Values are plain ints and tuples underneath, convert to and from py_ecc, and compute through a
native backend (the C core unless :func:`set_backend` or ``$PROZ_BACKEND`` says otherwise).

>>> from prozchain.prover import G1Point, G2Point, pairing
>>> g1, g2 = G1Point.generator(), G2Point.generator()
>>> pairing(3 * g1, g2) == pairing(g1, g2) ** 3
True
"""

from prozchain.native.curve import P, R
from prozchain.native.lazy import lazy_package

__all__ = [
    "P",
    "R",
    "Fp",
    "Fr",
    "G1Point",
    "G2Point",
    "GT",
    "pairing",
    "multi_pairing",
    "pairing_check",
    "set_backend",
    "current_backend",
]

# on first use: a one-shot `groth16 prove` imports this package for its own modules, and the
# point and field classes need typing (TypeVars), 3 ms of its start. `pairing` is also a
# submodule's name: lazy_package keeps it the function once that module is imported.
__getattr__ = lazy_package(__name__, {
    "current_backend": "prozchain.prover.backend",
    "set_backend": "prozchain.prover.backend",
    "G1Point": "prozchain.prover.curve",
    "G2Point": "prozchain.prover.curve",
    "Fp": "prozchain.prover.fields",
    "Fr": "prozchain.prover.fields",
    "GT": "prozchain.prover.pairing",
    "multi_pairing": "prozchain.prover.pairing",
    "pairing": "prozchain.prover.pairing",
    "pairing_check": "prozchain.prover.pairing",
})
