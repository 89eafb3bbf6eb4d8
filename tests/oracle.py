"""py_ecc as the oracle, in the backend interface's conventions, and points py_ecc lacks.

Fields need no oracle beyond Python's own ints: ``(a * b) % P`` is the definition.
"""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Optional

from py_ecc import optimized_bn128 as bn

from prozchain.native.curve import G1, G2, MODULI, P, R, Field, Fp12, Group, Point
from prozchain.native.reference import from_py_ecc, to_py_ecc

GENERATOR = {Group.G1: bn.G1, Group.G2: bn.G2}

# Field values where carries, reductions and Montgomery conversions go wrong first.
SPECIAL_INTS = [0, 1, 2, 3, 2**64 - 1, 2**64, 2**128 + 1, 2**192 - 1, 2**253, R - 1, R]


def field_edge_values(field: Field) -> list[int]:
    """The special values that are canonical in ``field``, plus m-1, m-2 and about m/2."""
    m = MODULI[field]
    return sorted({v for v in SPECIAL_INTS if v < m} | {m - 1, m - 2, m // 2, m // 2 + 1})


def random_point(group: Group, rng: random.Random) -> Point:
    return from_py_ecc(bn.multiply(GENERATOR[group], rng.randrange(1, R)))


def add(group: Group, a: Point, b: Point) -> Point:
    return from_py_ecc(bn.add(to_py_ecc(group, a), to_py_ecc(group, b)))


def multiply(group: Group, a: Point, k: int) -> Point:
    """``k * a``; py_ecc's optimized ``multiply`` does not reduce k modulo R, but needs k >= 0."""
    pt = to_py_ecc(group, a)
    if k < 0:
        pt, k = bn.neg(pt), -k
    return from_py_ecc(bn.multiply(pt, k))


@lru_cache(maxsize=None)
def pairing(p: G1, q: G2) -> Fp12:
    """e(p, q) by py_ecc (about half a second, hence the cache)."""
    return tuple(bn.pairing(to_py_ecc(Group.G2, q), to_py_ecc(Group.G1, p)).coeffs)


def gt_mul(a: Fp12, b: Fp12) -> Fp12:
    return tuple((bn.FQ12(list(a)) * bn.FQ12(list(b))).coeffs)


def gt_pow(a: Fp12, e: int) -> Fp12:
    return tuple((bn.FQ12(list(a)) ** e).coeffs)


