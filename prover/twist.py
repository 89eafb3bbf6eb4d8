"""Points on the twist E'(Fp2): y^2 = x^3 + 3/(9+u), which need not lie in G2.

G2 is the subgroup of order R of a group of order R * (2P - R), so almost every point of the
twist lies outside it. Such points are what a subgroup check must refuse; this module makes them
(for tests, the demo, and anyone probing a verifier).

>>> import random
>>> x, y = twist_point_outside_g2(random.Random(1))
>>> from prozchain.prover import G2Point
>>> G2Point.from_affine(x, y)
Traceback (most recent call last):
...
prozchain.native.errors.InvalidPointError: G2 point ... is on the curve but not in the subgroup of order R: ...
"""

from __future__ import annotations

import random
from typing import Optional

from py_ecc import bn128

from prozchain.native.curve import G2, P, R, Fp2, Group
from prozchain.native import get_backend


def fp2_sqrt(a: Fp2) -> Optional[Fp2]:
    """A square root of ``a`` in Fp2, or None (Adj and Rodríguez-Henríquez 2012, alg. 9: P = 3 mod 4).

    >>> r = fp2_sqrt((5, 7))
    >>> r is None or (bn128.FQ2(list(r)) ** 2 == bn128.FQ2([5, 7]))
    True
    """
    value = bn128.FQ2(list(a))
    a1 = value ** ((P - 3) // 4)
    alpha = a1 * a1 * value  # value^((P-1)/2): -1 decides the branch
    x0 = a1 * value
    if alpha == -bn128.FQ2.one():
        root = bn128.FQ2([0, 1]) * x0
    else:
        root = (bn128.FQ2.one() + alpha) ** ((P - 1) // 2) * x0
    if root * root != value:
        return None
    return (int(root.coeffs[0]), int(root.coeffs[1]))


def twist_point_from_x(x: Fp2) -> G2:
    """The point (x, y) of the twist with the given x, or None when x^3 + b' is not a square."""
    rhs = bn128.FQ2(list(x)) ** 3 + bn128.b2
    y = fp2_sqrt((int(rhs.coeffs[0]), int(rhs.coeffs[1])))
    return None if y is None else (x, y)


def twist_point_outside_g2(rng: random.Random) -> tuple[Fp2, Fp2]:
    """A random point of the twist whose order does not divide R (checked, not assumed).

    The check runs on the pure-Python reference, so that it stays independent of the C core
    whose subgroup check such points are meant to test.
    """
    while True:
        point = twist_point_from_x((rng.randrange(P), rng.randrange(P)))
        if point is not None and get_backend("reference").g_mul(Group.G2, point, R) is not None:
            return point
