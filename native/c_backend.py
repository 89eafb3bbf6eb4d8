"""The C core behind the :class:`native.backend.Backend` interface.

Python ints cross into C as little-endian 64-bit limbs; the C side converts to Montgomery form,
computes, and converts back. Calls release the GIL (cffi does so for every call into the
compiled module). ``PROZ_THREADS`` sets how many OpenMP threads the bulk kernels use.

>>> from native.c_backend import CBackend
>>> b = CBackend()
>>> b.mul("fp", 2, 3)
6
>>> b.g_mul("g1", (1, 2), 1)
(1, 2)
"""

from __future__ import annotations

import os
from typing import Optional, Sequence

from native._bn254 import ffi, lib
from native.backend import MODULI, P, Backend, Fp12, G1, G2, Point
from native.errors import InvalidFieldElementError

_FIELD_INDEX = {"fp": 0, "fr": 1}
_GROUP = {
    "g1": (2, lib.pz_g1_add, lib.pz_g1_double, lib.pz_g1_neg, lib.pz_g1_mul, lib.pz_g1_on_curve,
           lib.pz_g1_in_subgroup, lib.pz_g1_batch_to_affine),
    "g2": (4, lib.pz_g2_add, lib.pz_g2_double, lib.pz_g2_neg, lib.pz_g2_mul, lib.pz_g2_on_curve,
           lib.pz_g2_in_subgroup, lib.pz_g2_batch_to_affine),
}

lib.pz_set_threads(int(os.environ.get("PROZ_THREADS") or os.cpu_count() or 1))


def to_limbs(values: Sequence[int], modulus: int = P):
    """A C ``uint64_t[]`` holding each value as 4 limbs; every value must lie in [0, modulus)."""
    for v in values:
        if not 0 <= v < modulus:
            raise InvalidFieldElementError(f"{v} is not a field element (must be in [0, {modulus}))")
    arr = ffi.new("uint64_t[]", max(1, 4 * len(values)))
    data = b"".join(v.to_bytes(32, "little") for v in values)
    ffi.memmove(arr, data, len(data))
    return arr


def from_limbs(arr, count: int) -> list[int]:
    data = bytes(ffi.buffer(arr, 32 * count))
    return [int.from_bytes(data[32 * i: 32 * i + 32], "little") for i in range(count)]


def _scalar_limbs(k: int):
    """Non-negative scalar of any size as limbs, plus the limb count."""
    nlimbs = max(1, (k.bit_length() + 63) // 64)
    arr = ffi.new("uint64_t[]", nlimbs)
    ffi.memmove(arr, k.to_bytes(8 * nlimbs, "little"), 8 * nlimbs)
    return arr, nlimbs


def _flatten(group: str, point: Point) -> list[int]:
    """Affine point to its Fp coordinates; infinity is all zeros."""
    if point is None:
        return [0] * _GROUP[group][0]
    if group == "g1":
        return [point[0], point[1]]
    (x0, x1), (y0, y1) = point
    return [x0, x1, y0, y1]


def _unflatten(group: str, coords: Sequence[int]) -> Point:
    if not any(coords):
        return None
    if group == "g1":
        return (coords[0], coords[1])
    return ((coords[0], coords[1]), (coords[2], coords[3]))


def fp12_from_tower(coeffs: Sequence[int]) -> Fp12:
    """Tower coefficients (12 ints, C layout) to the py_ecc basis w^0..w^11.

    The tower's Fp2 coefficient a + b*u of w^k (k < 6) is a + b*(w^6 - 9), since u = w^6 - 9.
    In the C layout the Fp2 coefficient of w^(2i) is slot i and that of w^(2i+1) is slot 3 + i.
    """
    out = [0] * 12
    for slot in range(6):
        k = 2 * slot if slot < 3 else 2 * (slot - 3) + 1
        a, b = coeffs[2 * slot], coeffs[2 * slot + 1]
        out[k] = (a - 9 * b) % P
        out[k + 6] = b
    return tuple(out)


def fp12_to_tower(value: Fp12) -> list[int]:
    coeffs = [0] * 12
    for slot in range(6):
        k = 2 * slot if slot < 3 else 2 * (slot - 3) + 1
        b = value[k + 6] % P
        coeffs[2 * slot] = (value[k] + 9 * b) % P
        coeffs[2 * slot + 1] = b
    return coeffs


class CBackend(Backend):
    """BN254 arithmetic in the compiled C core."""

    name = "c"

    # -- fields ----------------------------------------------------------------------------
    def _binary(self, fn, field: str, a: int, b: int) -> int:
        modulus = MODULI[field]
        out = ffi.new("uint64_t[4]")
        fn(_FIELD_INDEX[field], out, to_limbs([a], modulus), to_limbs([b], modulus))
        return from_limbs(out, 1)[0]

    def _unary(self, fn, field: str, a: int) -> int:
        out = ffi.new("uint64_t[4]")
        fn(_FIELD_INDEX[field], out, to_limbs([a], MODULI[field]))
        return from_limbs(out, 1)[0]

    def add(self, field: str, a: int, b: int) -> int:
        return self._binary(lib.pz_add, field, a, b)

    def sub(self, field: str, a: int, b: int) -> int:
        return self._binary(lib.pz_sub, field, a, b)

    def mul(self, field: str, a: int, b: int) -> int:
        return self._binary(lib.pz_mul, field, a, b)

    def neg(self, field: str, a: int) -> int:
        return self._unary(lib.pz_neg, field, a)

    def sqr(self, field: str, a: int) -> int:
        return self._unary(lib.pz_sqr, field, a)

    def inv(self, field: str, a: int) -> int:
        out = ffi.new("uint64_t[4]")
        if not lib.pz_inv(_FIELD_INDEX[field], out, to_limbs([a], MODULI[field])):
            raise ZeroDivisionError(f"0 has no inverse in {field}")
        return from_limbs(out, 1)[0]

    def pow(self, field: str, a: int, e: int) -> int:
        if e < 0:
            raise ValueError("negative exponent: invert first")
        out = ffi.new("uint64_t[4]")
        exp, nlimbs = _scalar_limbs(e)
        lib.pz_pow(_FIELD_INDEX[field], out, to_limbs([a], MODULI[field]), exp, nlimbs)
        return from_limbs(out, 1)[0]

    def sqrt(self, a: int) -> Optional[int]:
        out = ffi.new("uint64_t[4]")
        if not lib.pz_sqrt(out, to_limbs([a])):
            return None
        return from_limbs(out, 1)[0]

    def batch_inv(self, field: str, values: Sequence[int]) -> list[int]:
        values = list(values)
        if not values:
            return []
        out = ffi.new("uint64_t[]", 4 * len(values))
        zero = lib.pz_batch_inv(_FIELD_INDEX[field], out, to_limbs(values, MODULI[field]), len(values))
        if zero >= 0:
            raise ZeroDivisionError(f"value at index {zero} is 0 and has no inverse")
        return from_limbs(out, len(values))

    # -- groups ----------------------------------------------------------------------------
    def g_add(self, group: str, a: Point, b: Point) -> Point:
        n, add = _GROUP[group][:2]
        out = ffi.new("uint64_t[]", 4 * n)
        add(out, to_limbs(_flatten(group, a)), to_limbs(_flatten(group, b)))
        return _unflatten(group, from_limbs(out, n))

    def _unary_point(self, index: int, group: str, a: Point) -> Point:
        n, fn = _GROUP[group][0], _GROUP[group][index]
        out = ffi.new("uint64_t[]", 4 * n)
        fn(out, to_limbs(_flatten(group, a)))
        return _unflatten(group, from_limbs(out, n))

    def g_double(self, group: str, a: Point) -> Point:
        return self._unary_point(2, group, a)

    def g_neg(self, group: str, a: Point) -> Point:
        return self._unary_point(3, group, a)

    def g_mul(self, group: str, a: Point, k: int) -> Point:
        if k < 0:
            a, k = self.g_neg(group, a), -k
        n, mul = _GROUP[group][0], _GROUP[group][4]
        out = ffi.new("uint64_t[]", 4 * n)
        scalar, nlimbs = _scalar_limbs(k)
        mul(out, to_limbs(_flatten(group, a)), scalar, nlimbs)
        return _unflatten(group, from_limbs(out, n))

    def is_on_curve(self, group: str, a: Point) -> bool:
        return bool(_GROUP[group][5](to_limbs(_flatten(group, a))))

    def in_subgroup(self, group: str, a: Point) -> bool:
        return bool(_GROUP[group][6](to_limbs(_flatten(group, a))))

    def batch_to_affine(self, group: str, points: Sequence[tuple]) -> list[Point]:
        n, convert = _GROUP[group][0], _GROUP[group][7]
        coords: list[int] = []
        for x, y, z in points:
            coords += [x, y, z] if group == "g1" else [*x, *y, *z]
        out = ffi.new("uint64_t[]", max(1, 4 * n * len(points)))
        convert(out, to_limbs(coords), len(points))
        flat = from_limbs(out, n * len(points))
        return [_unflatten(group, flat[i * n:(i + 1) * n]) for i in range(len(points))]

    # -- pairing ---------------------------------------------------------------------------
    @staticmethod
    def _pairs(pairs: Sequence[tuple[G1, G2]]):
        g1s = [c for p, _ in pairs for c in _flatten("g1", p)]
        g2s = [c for _, q in pairs for c in _flatten("g2", q)]
        return to_limbs(g1s), to_limbs(g2s), len(pairs)

    def multi_pairing(self, pairs: Sequence[tuple[G1, G2]]) -> Fp12:
        out = ffi.new("uint64_t[48]")
        lib.pz_pairing(out, *self._pairs(pairs))
        return fp12_from_tower(from_limbs(out, 12))

    def pairing_check(self, pairs: Sequence[tuple[G1, G2]]) -> bool:
        return bool(lib.pz_pairing_check(*self._pairs(pairs)))

    def gt_mul(self, a: Fp12, b: Fp12) -> Fp12:
        out = ffi.new("uint64_t[48]")
        lib.pz_fp12_mul(out, to_limbs(fp12_to_tower(a)), to_limbs(fp12_to_tower(b)))
        return fp12_from_tower(from_limbs(out, 12))

    def gt_pow(self, a: Fp12, e: int) -> Fp12:
        base = to_limbs(fp12_to_tower(a))
        if e < 0:
            if not lib.pz_fp12_inv(base, base):
                raise ZeroDivisionError("0 has no inverse in Fp12")
            e = -e
        out = ffi.new("uint64_t[48]")
        exp, nlimbs = _scalar_limbs(e)
        lib.pz_fp12_pow(out, base, exp, nlimbs)
        return fp12_from_tower(from_limbs(out, 12))
