"""The prover's Python face: field elements, curve points and pairings over BN254.

Values are plain ints and tuples underneath, convert to and from py_ecc, and compute through a
native backend (the C core unless :func:`set_backend` or ``$PROZ_BACKEND`` says otherwise).

>>> from prozchain.prover import G1Point, G2Point, pairing
>>> g1, g2 = G1Point.generator(), G2Point.generator()
>>> pairing(3 * g1, g2) == pairing(g1, g2) ** 3
True
"""

from prozchain.native.curve import P, R
from prozchain.prover.backend import current_backend, set_backend
from prozchain.prover.curve import G1Point, G2Point
from prozchain.prover.fields import Fp, Fr
from prozchain.prover.pairing import GT, multi_pairing, pairing, pairing_check

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
