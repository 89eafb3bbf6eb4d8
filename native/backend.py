"""The one interface every arithmetic backend implements.

Values cross this interface as plain Python data, in canonical (not Montgomery) form:

- an Fp or Fr element is an ``int`` in ``[0, modulus)``;
- an Fp2 element is a tuple ``(c0, c1)`` meaning ``c0 + c1*u`` with ``u^2 = -1``;
- an Fp12 element (a pairing value, "GT") is a tuple of 12 ints: the coefficients of
  ``w^0 .. w^11`` in ``Fp[w] / (w^12 - 18*w^6 + 82)``, the basis py_ecc's ``FQ12`` uses;
- a G1 point is an affine ``(x, y)`` tuple of ints, and ``None`` is the point at infinity;
- a G2 point is an affine ``((x0, x1), (y0, y1))`` tuple of Fp2 tuples, ``None`` at infinity.

Field functions take the field's name first: ``"fp"`` (base field, modulus ``P``) or ``"fr"``
(scalar field, modulus ``R``). Group functions take ``"g1"`` or ``"g2"``.

Group operations assume their inputs are on the curve; checking points read from outside is
the caller's job (``is_on_curve``, ``in_subgroup``). Scalars are any Python int (negative and
``>= R`` included): they are never reduced modulo ``R`` behind the caller's back, so
multiplying a point outside the subgroup still gives the true multiple.

>>> from prozchain.native import get_backend
>>> b = get_backend("reference")
>>> b.mul("fr", 3, 5)
15
>>> b.g_mul("g1", b.g1_generator(), 0) is None
True
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

from prozchain.native.errors import InvalidArgumentError, InvalidFieldElementError

P = 21888242871839275222246405745257275088696311157297823662689037894645226208583
R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
ATE_X = 4965661367192848881  # the BN parameter x: P and R are polynomials in it

MODULI = {"fp": P, "fr": R}

Fp2 = Tuple[int, int]
Fp12 = Tuple[int, ...]
G1 = Optional[Tuple[int, int]]
G2 = Optional[Tuple[Fp2, Fp2]]
Point = object  # G1 or G2, depending on the group name passed alongside

G1_GENERATOR: G1 = (1, 2)
G2_GENERATOR: G2 = (
    (
        10857046999023057135944570762232829481370756359578518086990519993285655852781,
        11559732032986387107991004021392285783925812861821192530917403151452391805634,
    ),
    (
        8495653923123431417604973247489272438418190587263600148770280649306958101930,
        4082367875863433681332203403145435568316851327593401208105741076214120093531,
    ),
)


def fp12_from_tower(coeffs: Sequence[int]) -> Fp12:
    """Tower coefficients (12 ints: the C core's and snarkjs's layout) to the py_ecc basis w^0..w^11.

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


class Backend:
    """Arithmetic on BN254: fields, the groups G1 and G2, and the optimal ate pairing."""

    name: str = "abstract"

    # -- fields ----------------------------------------------------------------------------
    def add(self, field: str, a: int, b: int) -> int:
        raise NotImplementedError

    def sub(self, field: str, a: int, b: int) -> int:
        raise NotImplementedError

    def neg(self, field: str, a: int) -> int:
        raise NotImplementedError

    def mul(self, field: str, a: int, b: int) -> int:
        raise NotImplementedError

    def sqr(self, field: str, a: int) -> int:
        raise NotImplementedError

    def inv(self, field: str, a: int) -> int:
        """The inverse of ``a``; ``ZeroDivisionError`` for 0."""
        raise NotImplementedError

    def pow(self, field: str, a: int, e: int) -> int:
        """``a**e`` for ``e >= 0`` (``0**0 == 1``)."""
        raise NotImplementedError

    def sqrt(self, a: int) -> Optional[int]:
        """A square root of ``a`` in Fp (the one ``r`` with ``r <= P - r``), or None."""
        raise NotImplementedError

    def batch_inv(self, field: str, values: Sequence[int]) -> list[int]:
        """Every inverse with one field inversion; ``ZeroDivisionError`` if any value is 0."""
        raise NotImplementedError

    # -- bulk over numpy arrays of canonical limbs (layouts in native.kernels) ------------------
    # These defaults go through the per-element methods; the C backend overrides them with
    # single native calls that release the GIL and run on PROZ_THREADS threads.
    def mul_array(self, field: str, a, b):
        """Elementwise ``a * b`` of two ``(n, 4)`` uint64 arrays of canonical field elements."""
        from prozchain.native.kernels import array_to_ints, ints_to_array

        xs, ys = array_to_ints(a), array_to_ints(b)
        if len(xs) != len(ys):
            raise InvalidArgumentError(f"mul_array: {len(xs)} and {len(ys)} elements")
        return ints_to_array([self.mul(field, x, y) for x, y in zip(xs, ys)], MODULI[field])

    def inv_array(self, field: str, a):
        """Elementwise inverse of an ``(n, 4)`` array, one field inversion in all."""
        from prozchain.native.kernels import array_to_ints, ints_to_array

        return ints_to_array(self.batch_inv(field, array_to_ints(a)), MODULI[field])

    def from_mont_array(self, field: str, a):
        """An ``(n, 4)`` array of Montgomery-form limbs (x * 2^256 mod modulus, the layout of
        snarkjs's binary files) as canonical limbs."""
        from prozchain.native.kernels import array_to_ints, ints_to_array

        modulus = MODULI[field]
        inv = pow(1 << 256, -1, modulus)
        return ints_to_array([v * inv % modulus for v in array_to_ints(a)], modulus)

    def qap_abc(self, records, witness, domain_size: int):
        """Groth16's A and B evaluations on the domain, from snarkjs's .zkey coefficients.

        ``records`` is a :data:`prozchain.native.kernels.COEF_DTYPE` array (matrix 0 = A / 1 = B,
        constraint row, signal, value) with each value stored as coef * 2^512 mod R as snarkjs
        stores it; ``witness`` an ``(m, 4)`` array. Returns canonical ``(A, B)``, each
        ``(domain_size, 4)``: ``A[row] = sum coef * witness[signal]`` over the A records.
        An invalid record raises ``InvalidFieldElementError`` naming its index.
        """
        from prozchain.native.kernels import array_to_ints, ints_to_array

        inv2 = pow(1 << 512, -1, R)
        w = array_to_ints(witness)
        out = ([0] * domain_size, [0] * domain_size)
        values = array_to_ints(records["value"])
        for i, (m, c, s) in enumerate(zip(records["matrix"].tolist(), records["constraint"].tolist(),
                                          records["signal"].tolist())):
            if m > 1 or c >= domain_size or s >= len(w) or values[i] >= R:
                raise InvalidFieldElementError(f"coefficient record {i} is invalid (matrix {m}, row {c}, "
                                               f"signal {s})")
            out[m][c] = (out[m][c] + values[i] * inv2 * w[s]) % R
        return ints_to_array(out[0], R), ints_to_array(out[1], R)

    def qap_h(self, a, b, shift: int):
        """A * B - C on the coset ``shift * <w>``, where ``a``, ``b`` are the evaluations of A
        and B on the domain <w> and C = A * B pointwise there (snarkjs's H values with
        ``shift`` the 2n-th root of unity): interpolate, evaluate on the coset, combine."""
        from prozchain.native.kernels import array_to_ints, ints_to_array

        c = self.mul_array("fr", a, b)
        coset = [array_to_ints(self.ntt_array(self.ntt_array(x, inverse=True), shift=shift)) for x in (a, b, c)]
        return ints_to_array([(x * y - z) % R for x, y, z in zip(*coset)], R)

    def check_points_array(self, group: str, points, upto: str = "subgroup",
                           mont: bool = False) -> Optional[Tuple[int, str]]:
        """The first invalid point of an ``(n, 8)`` (G1) or ``(n, 16)`` (G2) uint64 array of
        affine coordinates (a zero row is infinity), as ``(index, reason)``; None if every
        point passes the checks up to ``upto``: "canonical" (coordinates below P), "curve"
        (and on the curve) or "subgroup" (and in the order-R subgroup). ``mont``: the
        coordinates are in Montgomery form, as .zkey and .ptau files store them."""
        from prozchain.native.kernels import array_to_ints, COORDS

        level = CHECK_LEVELS[upto]
        coords = array_to_ints(points)
        width = COORDS[group]
        for i in range(len(coords) // width):
            row = coords[i * width:(i + 1) * width]
            if any(c >= P for c in row):
                return i, POINT_CHECKS[1]
            if mont:
                row = [c * MONT_INV % P for c in row]
            point = None if not any(row) else (
                (row[0], row[1]) if group == "g1" else ((row[0], row[1]), (row[2], row[3])))
            if level >= 2 and not self.is_on_curve(group, point):
                return i, POINT_CHECKS[2]
            if level >= 3 and not self.in_subgroup(group, point):
                return i, POINT_CHECKS[3]
        return None

    # -- groups ----------------------------------------------------------------------------
    def g_add(self, group: str, a: Point, b: Point) -> Point:
        raise NotImplementedError

    def g_double(self, group: str, a: Point) -> Point:
        raise NotImplementedError

    def g_neg(self, group: str, a: Point) -> Point:
        raise NotImplementedError

    def g_mul(self, group: str, a: Point, k: int) -> Point:
        raise NotImplementedError

    def is_on_curve(self, group: str, a: Point) -> bool:
        """y^2 = x^3 + b (b = 3 on G1, 3/(9+u) on G2); infinity counts as on the curve."""
        raise NotImplementedError

    def in_subgroup(self, group: str, a: Point) -> bool:
        """Whether an on-curve point has order dividing R (always true on G1: cofactor 1)."""
        raise NotImplementedError

    def batch_to_affine(self, group: str, points: Sequence[tuple]) -> list[Point]:
        """Jacobian ``(X, Y, Z)`` triples (Fp or Fp2 coordinates, Z = 0 at infinity) to affine."""
        raise NotImplementedError

    # -- pairing ---------------------------------------------------------------------------
    def pairing(self, p: G1, q: G2) -> Fp12:
        """The reduced optimal ate pairing e(p, q); equals py_ecc's ``pairing(q, p)``."""
        return self.multi_pairing([(p, q)])

    def multi_pairing(self, pairs: Sequence[Tuple[G1, G2]]) -> Fp12:
        """The product of e(p_i, q_i): one Miller loop per pair, one final exponentiation."""
        raise NotImplementedError

    def pairing_check(self, pairs: Sequence[Tuple[G1, G2]]) -> bool:
        """Whether the product of e(p_i, q_i) is 1 (the test Groth16 and EIP-197 need)."""
        return self.multi_pairing(pairs) == GT_ONE

    def gt_mul(self, a: Fp12, b: Fp12) -> Fp12:
        raise NotImplementedError

    def gt_pow(self, a: Fp12, e: int) -> Fp12:
        raise NotImplementedError

    # -- bulk kernels: MSM and NTT ------------------------------------------------------------
    # Bulk data is numpy (see native.kernels): scalars and Fr vectors as (n, 4) uint64 arrays of
    # canonical limbs, MSM bases as PreparedBases (Montgomery affine, converted once, reused).
    def msm_prepare(self, group: str, points: Sequence[Point]):
        """``points`` (affine, None at infinity) converted once to the MSM kernels' layout: a
        :class:`prozchain.native.kernels.PreparedBases` any backend's ``msm_prepared`` accepts."""
        from prozchain.native.kernels import prepare_bases

        return prepare_bases(group, points)

    def generator_multiples(self, group: str, scalars) -> "PreparedBases":
        """``k * G`` for each row ``k`` of an ``(n, 4)`` uint64 scalar array (canonical limbs,
        taken modulo R) and the group's generator G, as prepared bases: how a setup turns
        secret evaluations into key points. Backends with a fixed-base kernel override this."""
        from prozchain.native.kernels import array_to_ints, check_fr_array

        gen = self.g1_generator() if group == "g1" else self.g2_generator()
        ks = array_to_ints(check_fr_array(scalars, "scalars"))
        return self.msm_prepare(group, [self.g_mul(group, gen, k % R) if k % R else None for k in ks])

    def msm_prepared(self, bases, scalars) -> Point:
        """sum of ``scalars[i] * bases[i]`` over the first ``len(scalars)`` prepared bases.

        ``scalars`` is an ``(m, 4)`` uint64 array (m <= len(bases)) of canonical limbs, each
        below 2^256 and taken modulo R: the bases must lie in the order-R subgroup (every G1
        point does; check G2 points read from outside with ``in_subgroup``).
        """
        raise NotImplementedError

    def msm(self, group: str, points: Sequence[Point], scalars: Sequence[int]) -> Point:
        """sum of ``scalars[i] * points[i]``, scalars any ints (taken modulo R, negatives too);
        the same subgroup precondition as ``msm_prepared``. An empty sum is None."""
        from prozchain.native.kernels import scalars_array

        if len(points) != len(scalars):
            raise InvalidArgumentError(f"msm: {len(points)} points but {len(scalars)} scalars")
        return self.msm_prepared(self.msm_prepare(group, points), scalars_array(scalars))

    def ntt_array(self, values, inverse: bool = False, shift: Optional[int] = None):
        """The radix-2 NTT of an ``(n, 4)`` uint64 array of Fr elements (n a power of two up to
        2^28), as a new array, natural order in and out.

        Forward: ``A[k] = sum_j a[j] * (shift * w^k)^j`` with ``w = 5^((R-1)/n)`` (the root
        snarkjs uses, :func:`prozchain.native.kernels.root_of_unity`) and ``shift = 1`` unless given:
        the evaluations of the polynomial with coefficients ``a`` at the coset ``shift * <w>``.
        Inverse (``inverse=True``): the coefficients from those evaluations.
        """
        raise NotImplementedError

    def ntt(self, values: Sequence[int], inverse: bool = False, shift: Optional[int] = None) -> list[int]:
        """``ntt_array`` on a list of Fr ints."""
        from prozchain.native.kernels import array_to_ints, ints_to_array

        return array_to_ints(self.ntt_array(ints_to_array(values, R), inverse=inverse, shift=shift))

    # -- constants -------------------------------------------------------------------------
    def g1_generator(self) -> G1:
        return G1_GENERATOR

    def g2_generator(self) -> G2:
        return G2_GENERATOR


GT_ONE: Fp12 = (1,) + (0,) * 11

# How far check_points_array goes, by the C core's levels.
CHECK_LEVELS = {"canonical": 1, "curve": 2, "subgroup": 3}
MONT_INV = pow(2**256, -1, P)

# Why a point fails validation, by the C core's check codes.
POINT_CHECKS = {1: "a coordinate is not below P", 2: "not on the curve", 3: "not in the subgroup of order R"}
