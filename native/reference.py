"""The pure-Python reference backend: plain ints for Fp and Fr, py_ecc for the curves and pairing.

It is slow (a pairing takes most of a second) and meant to be obviously right; the C core is
tested against it and against py_ecc itself.

>>> from prozchain.native.reference import ReferenceBackend
>>> b = ReferenceBackend()
>>> b.sqrt(9), b.sqrt(b.neg(Field.FP, 1))
(3, None)
>>> g, G1 = b.g1_generator(), Group.G1
>>> b.g_add(G1, g, g) == b.g_double(G1, g) == b.g_mul(G1, g, 2)
True
>>> b.g_mul(G1, g, R) is None
True
>>> b.g_mul(G1, g, -1) == b.g_neg(G1, g)
True
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple, Union

from py_ecc import optimized_bn128 as bn
from py_ecc.optimized_bn128.optimized_pairing import cast_point_to_fq12, miller_loop

from prozchain.native.backend import Backend
from prozchain.native.curve import G1, G2, MODULI, P, R, Field, Fp2, Fp12, Group, Point
from prozchain.native.errors import InvalidArgumentError, InvalidFieldElementError, NotInvertibleError
from prozchain.native.kernels import array_to_ints, bases_to_points, check_fr_array, ints_to_array, ntt_log
from prozchain.native.curve import root_of_unity

_FIELD = {Group.G1: bn.FQ, Group.G2: bn.FQ2}
_CURVE_B = {Group.G1: bn.b, Group.G2: bn.b2}


def _modulus(field: Field, *values: int) -> int:
    """The modulus of ``field``, once every value is checked to be canonical in it.

    py_ecc would reduce anything silently; refusing it keeps the reference as strict as the
    C core, so that a caller's bug shows up on both backends alike.
    """
    m = MODULI[field]
    for v in values:
        if not 0 <= v < m:
            raise InvalidFieldElementError(f"{field} element {v} is not canonical: not in [0, modulus)")
    return m


def _check_coordinates(group: Group, *coords) -> None:
    """Refuse G1 (Fp) or G2 (Fp2) coordinates with a component outside [0, P)."""
    _modulus(Field.FP, *(coords if group is Group.G1 else [c for pair in coords for c in pair]))


def to_py_ecc(group: Group, point: Point) -> tuple:
    """``point`` (affine, None at infinity) as a py_ecc.optimized_bn128 projective triple.

    >>> to_py_ecc(Group.G1, (1, 2)) == bn.G1
    True
    """
    field = _FIELD[group]
    if point is None:
        return (field.one(), field.one(), field.zero())
    x, y = point
    _check_coordinates(group, x, y)
    return (field(x), field(y), field.one())


def from_py_ecc(point: Optional[tuple]) -> Point:
    """A py_ecc point in our affine convention.

    Takes either flavour: a py_ecc.optimized_bn128 triple ``(x, y, z)`` standing for
    ``(x/z, y/z)``, or a py_ecc.bn128 affine pair (None at infinity).

    >>> from_py_ecc(bn.double(bn.G1)) == from_py_ecc(bn.normalize(bn.double(bn.G1)))
    True
    >>> from_py_ecc(bn.Z1) is None
    True
    """
    if point is None:
        return None
    if len(point) == 3:
        if bn.is_inf(point):
            return None
        point = bn.normalize(point)
    x, y = point
    return _ints(x), _ints(y)


def _ints(c) -> Union[int, Fp2]:
    """A py_ecc field element as an int (Fp) or a pair of ints (Fp2)."""
    if hasattr(c, "coeffs"):
        return tuple(int(v) for v in c.coeffs)
    return int(c)


def _multiply(point: tuple, k: int) -> tuple:
    """``k * point`` on projective triples by double-and-add.

    k is used as given, never reduced modulo R, so a point outside the subgroup gets its true
    multiple. (py_ecc's own ``multiply`` recurses once per bit and never ends for k < 0.)
    """
    if k < 0:
        point, k = bn.neg(point), -k
    one, zero = point[0].one(), point[0].zero()
    acc = (one, one, zero)
    for bit in bin(k)[2:]:
        acc = bn.double(acc)
        if bit == "1":
            acc = bn.add(acc, point)
    return acc


def _fq12(a: Fp12) -> bn.FQ12:
    return bn.FQ12(list(a))


def _gt(f: bn.FQ12) -> Fp12:
    return tuple(int(c) for c in f.coeffs)


class ReferenceBackend(Backend):
    """The :class:`prozchain.native.backend.Backend` interface on Python ints and py_ecc."""

    name = "reference"

    # -- fields ----------------------------------------------------------------------------
    def add(self, field: Field, a: int, b: int) -> int:
        return (a + b) % _modulus(field, a, b)

    def sub(self, field: Field, a: int, b: int) -> int:
        return (a - b) % _modulus(field, a, b)

    def neg(self, field: Field, a: int) -> int:
        return -a % _modulus(field, a)

    def mul(self, field: Field, a: int, b: int) -> int:
        return a * b % _modulus(field, a, b)

    def sqr(self, field: Field, a: int) -> int:
        return a * a % _modulus(field, a)

    def inv(self, field: Field, a: int) -> int:
        m = _modulus(field, a)
        if a == 0:
            raise NotInvertibleError(f"0 has no inverse in {field}")
        return pow(a, -1, m)

    def pow(self, field: Field, a: int, e: int) -> int:
        if e < 0:
            raise InvalidArgumentError("negative exponent: invert first")
        return pow(a, e, _modulus(field, a))

    def sqrt(self, a: int) -> Optional[int]:
        # P = 3 mod 4, so a^((P+1)/4) is a root whenever a is a square.
        r = pow(a, (P + 1) // 4, _modulus(Field.FP, a))
        if r * r % P != a:
            return None
        return min(r, P - r)

    def batch_inv(self, field: Field, values: Sequence[int]) -> list[int]:
        m = _modulus(field, *values)
        prefix = []  # prefix[i] = values[0] * ... * values[i-1]
        acc = 1
        for i, v in enumerate(values):
            if v == 0:
                raise NotInvertibleError(f"batch_inv: values[{i}] is 0 in {field}")
            prefix.append(acc)
            acc = acc * v % m
        inv = pow(acc, -1, m)
        out = [0] * len(values)
        for i in reversed(range(len(values))):
            out[i] = prefix[i] * inv % m
            inv = inv * values[i] % m
        return out

    # -- groups ----------------------------------------------------------------------------
    def g_add(self, group: Group, a: Point, b: Point) -> Point:
        return from_py_ecc(bn.add(to_py_ecc(group, a), to_py_ecc(group, b)))

    def g_double(self, group: Group, a: Point) -> Point:
        return from_py_ecc(bn.double(to_py_ecc(group, a)))

    def g_neg(self, group: Group, a: Point) -> Point:
        return from_py_ecc(bn.neg(to_py_ecc(group, a)))

    def g_mul(self, group: Group, a: Point, k: int) -> Point:
        return from_py_ecc(_multiply(to_py_ecc(group, a), k))

    def is_on_curve(self, group: Group, a: Point) -> bool:
        return bn.is_on_curve(to_py_ecc(group, a), _CURVE_B[group])

    def in_subgroup(self, group: Group, a: Point) -> bool:
        return bn.is_inf(_multiply(to_py_ecc(group, a), R))

    def batch_to_affine(self, group: Group, points: Sequence[tuple]) -> list[Point]:
        field = _FIELD[group]
        out: list[Point] = []
        for X, Y, Z in points:
            _check_coordinates(group, X, Y, Z)
            z = field(Z)
            if z == field.zero():
                out.append(None)
                continue
            # Jacobian: (X, Y, Z) stands for (X/Z^2, Y/Z^3).
            zinv = field.one() / z
            zinv2 = zinv * zinv
            out.append((_ints(field(X) * zinv2), _ints(field(Y) * zinv2 * zinv)))
        return out

    # -- pairing ---------------------------------------------------------------------------
    def multi_pairing(self, pairs: Sequence[Tuple[G1, G2]]) -> Fp12:
        f = bn.FQ12.one()
        for p, q in pairs:
            if p is None or q is None:
                continue  # e(O, Q) = e(P, O) = 1
            g1 = cast_point_to_fq12(to_py_ecc(Group.G1, p))
            f = f * miller_loop(bn.twist(to_py_ecc(Group.G2, q)), g1, final_exponentiate=False)
        return _gt(bn.final_exponentiate(f))

    def gt_mul(self, a: Fp12, b: Fp12) -> Fp12:
        return _gt(_fq12(a) * _fq12(b))

    def gt_pow(self, a: Fp12, e: int) -> Fp12:
        f = _fq12(a)
        if e < 0:
            if f == bn.FQ12.zero():
                raise NotInvertibleError("0 has no inverse in Fp12")
            f, e = f.inv(), -e  # py_ecc's ** would treat a negative e as 0
        return _gt(f**e)

    # -- bulk kernels (issue 5): the obviously-right versions the fast kernels are tested against
    def msm(self, group: Group, points: Sequence[Point], scalars: Sequence[int]) -> Point:
        """The naive sum of scalar multiplications (scalars taken modulo R, as in the kernels)."""
        if len(points) != len(scalars):
            raise InvalidArgumentError(f"msm: {len(points)} points but {len(scalars)} scalars")
        acc = to_py_ecc(group, None)
        for p, k in zip(points, scalars):
            _check_coordinates(group, *(() if p is None else p))
            if p is not None and k % R:
                acc = bn.add(acc, _multiply(to_py_ecc(group, p), k % R))
        return from_py_ecc(acc)

    def msm_prepared(self, bases, scalars) -> Point:
        ks = array_to_ints(check_fr_array(scalars, "scalars"))
        if len(ks) > len(bases):
            raise InvalidArgumentError(f"msm: {len(ks)} scalars but only {len(bases)} bases")
        return self.msm(bases.group, bases_to_points(bases)[: len(ks)], ks)

    def ntt(self, values: Sequence[int], inverse: bool = False, shift: Optional[int] = None) -> list[int]:
        """The naive O(n^2) transform: evaluate (or interpolate) at the points shift * w^k."""
        values = list(values)
        n = len(values)
        _modulus(Field.FR, *values)
        w = root_of_unity(ntt_log(n))
        g = 1 if shift is None else shift % R
        if g == 0:
            raise InvalidArgumentError("the coset shift must be nonzero modulo R")
        if not inverse:
            points = [g * pow(w, k, R) % R for k in range(n)]
            return [sum(a * pow(x, j, R) for j, a in enumerate(values)) % R for x in points]
        w_inv, g_inv, n_inv = pow(w, -1, R), pow(g, -1, R), pow(n, -1, R)
        out = []
        for j in range(n):
            s = sum(e * pow(w_inv, j * k, R) for k, e in enumerate(values)) % R
            out.append(s * n_inv % R * pow(g_inv, j, R) % R)
        return out

    def ntt_array(self, values, inverse: bool = False, shift: Optional[int] = None):
        return ints_to_array(self.ntt(array_to_ints(check_fr_array(values, "ntt input")), inverse, shift))
