"""The numba backend: the MSM and NTT kernels in numba, for machines without a C compiler.

Same layouts as the C kernels (:mod:`prozchain.native.kernels`): Montgomery limbs (R = 2^256) in uint64
arrays, so prepared bases are shared between backends. numba has no 128-bit integers, so each
64x64-bit product is built from four 32x32-bit ones; the MSM is Pippenger with signed digits and
Jacobian buckets, single-threaded. It is correct first and much
slower than the C core (see the benchmarks); field, group and pairing operations other than the
bulk kernels come from the reference backend.

Compiled functions are cached on disk (``cache=True``): the first import on a machine compiles
for a few tens of seconds, later ones load in about a second.

>>> from prozchain.native.numba_backend import NumbaBackend
>>> b = NumbaBackend()
>>> from prozchain.native.curve import Group
>>> b.msm(Group.G1, [(1, 2), (1, 2)], [2, 3]) == b.g_mul(Group.G1, (1, 2), 5)
True
>>> b.ntt([1, 2, 0, 0]) == [3, (1 + 2 * pow(5, (b.R - 1) // 4, b.R)) % b.R, b.R - 1, (1 - 2 * pow(5, (b.R - 1) // 4, b.R)) % b.R]
True
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from numba import njit
from py_ecc import bn128

from prozchain.native.backend import Check, CheckLevel
from prozchain.native.curve import ATE_X, P, R, Group, Point, root_of_unity
from prozchain.native.errors import InvalidArgumentError, InvalidFieldElementError
from prozchain.native.kernels import (MONT, MONT_INV_P, PreparedBases, array_to_ints, check_fr_array, ints_to_array,
                                      ntt_log)
from prozchain.native.reference import ReferenceBackend

U64 = np.uint64
M32 = U64(0xFFFFFFFF)
S32 = U64(32)
ZERO = U64(0)
ONE = U64(1)


def _limbs(v: int) -> tuple:
    return tuple(U64((v >> (64 * i)) & 0xFFFFFFFFFFFFFFFF) for i in range(4))


FP_MOD = _limbs(P)
FR_MOD = _limbs(R)
FP_INV = U64((-pow(P, -1, 1 << 64)) % (1 << 64))
FR_INV = U64((-pow(R, -1, 1 << 64)) % (1 << 64))
FP_ONE = _limbs(MONT % P)
FR_ONE = _limbs(MONT % R)
FR_R2 = _limbs(MONT * MONT % R)
FP_PM2 = _limbs(P - 2)
FR_PM2 = _limbs(R - 2)
Z4 = (ZERO, ZERO, ZERO, ZERO)


@njit(cache=True, inline="always")
def _mul_add2(a, b, c, d):
    """(hi, lo) of a*b + c + d, which fits in 128 bits."""
    a0 = a & M32
    a1 = a >> S32
    b0 = b & M32
    b1 = b >> S32
    p00 = a0 * b0
    p01 = a0 * b1
    p10 = a1 * b0
    p11 = a1 * b1
    mid = (p00 >> S32) + (p01 & M32) + (p10 & M32)
    lo = (p00 & M32) | (mid << S32)
    hi = p11 + (p01 >> S32) + (p10 >> S32) + (mid >> S32)
    lo2 = lo + c
    hi += U64(lo2 < lo)
    lo3 = lo2 + d
    hi += U64(lo3 < lo2)
    return hi, lo3


@njit(cache=True, inline="always")
def _geq(a, m):
    for i in range(3, -1, -1):
        if a[i] != m[i]:
            return a[i] > m[i]
    return True


@njit(cache=True, inline="always")
def _sub4(a, b):
    """a - b on 4 limbs, with the borrow out."""
    r0 = a[0] - b[0]
    br = U64(a[0] < b[0])
    t = a[1] - b[1]
    b1 = U64(a[1] < b[1])
    r1 = t - br
    br = b1 | U64(t < br)
    t = a[2] - b[2]
    b2 = U64(a[2] < b[2])
    r2 = t - br
    br = b2 | U64(t < br)
    t = a[3] - b[3]
    b3 = U64(a[3] < b[3])
    r3 = t - br
    br = b3 | U64(t < br)
    return (r0, r1, r2, r3), br


@njit(cache=True, inline="always")
def _add4(a, b):
    r0 = a[0] + b[0]
    c = U64(r0 < a[0])
    t = a[1] + b[1]
    c1 = U64(t < a[1])
    r1 = t + c
    c = c1 | U64(r1 < t)
    t = a[2] + b[2]
    c2 = U64(t < a[2])
    r2 = t + c
    c = c2 | U64(r2 < t)
    t = a[3] + b[3]
    c3 = U64(t < a[3])
    r3 = t + c
    c = c3 | U64(r3 < t)
    return (r0, r1, r2, r3), c


@njit(cache=True)
def fadd(a, b, m):
    s, _ = _add4(a, b)  # both < m < 2^254: no carry out
    if _geq(s, m):
        s, _ = _sub4(s, m)
    return s


@njit(cache=True)
def fsub(a, b, m):
    d, br = _sub4(a, b)
    if br:
        d, _ = _add4(d, m)
    return d


@njit(cache=True)
def fmul(a, b, m, inv):
    """Montgomery product a*b/2^256 mod m (CIOS; m < 2^254 needs no extra carry word)."""
    t0 = ZERO
    t1 = ZERO
    t2 = ZERO
    t3 = ZERO
    for i in range(4):
        bi = b[i]
        hi, t0 = _mul_add2(a[0], bi, t0, ZERO)
        mm = t0 * inv
        carry, lo = _mul_add2(mm, m[0], t0, ZERO)
        hi, t1 = _mul_add2(a[1], bi, t1, hi)
        carry, t0 = _mul_add2(mm, m[1], t1, carry)
        hi, t2 = _mul_add2(a[2], bi, t2, hi)
        carry, t1 = _mul_add2(mm, m[2], t2, carry)
        hi, t3 = _mul_add2(a[3], bi, t3, hi)
        carry, t2 = _mul_add2(mm, m[3], t3, carry)
        t3 = carry + hi
    r = (t0, t1, t2, t3)
    if _geq(r, m):
        r, _ = _sub4(r, m)
    return r


@njit(cache=True)
def fpow(a, e, one, m, inv):
    acc = one
    for i in range(255, -1, -1):
        acc = fmul(acc, acc, m, inv)
        if (e[i // 64] >> U64(i % 64)) & ONE:
            acc = fmul(acc, a, m, inv)
    return acc


@njit(cache=True)
def _is_zero(a):
    return (a[0] | a[1] | a[2] | a[3]) == ZERO


# ---- the coordinate field: Fp (G1, second component unused) or Fp2 (G2), as a pair ----------
@njit(cache=True)
def eadd(a, b, ext):
    return (fadd(a[0], b[0], FP_MOD), fadd(a[1], b[1], FP_MOD) if ext else Z4)


@njit(cache=True)
def esub(a, b, ext):
    return (fsub(a[0], b[0], FP_MOD), fsub(a[1], b[1], FP_MOD) if ext else Z4)


@njit(cache=True)
def emul(a, b, ext):
    if not ext:
        return (fmul(a[0], b[0], FP_MOD, FP_INV), Z4)
    t0 = fmul(a[0], b[0], FP_MOD, FP_INV)
    t1 = fmul(a[1], b[1], FP_MOD, FP_INV)
    s = fmul(fadd(a[0], a[1], FP_MOD), fadd(b[0], b[1], FP_MOD), FP_MOD, FP_INV)
    return (fsub(t0, t1, FP_MOD), fsub(fsub(s, t0, FP_MOD), t1, FP_MOD))


@njit(cache=True)
def eneg(a, ext):
    z = (Z4, Z4)
    return esub(z, a, ext)


@njit(cache=True)
def eis_zero(a):
    return _is_zero(a[0]) and _is_zero(a[1])


@njit(cache=True)
def einv(a, ext):
    if not ext:
        return (fpow(a[0], FP_PM2, FP_ONE, FP_MOD, FP_INV), Z4)
    # 1/(a0 + a1 u) = (a0 - a1 u) / (a0^2 + a1^2)
    n = fadd(fmul(a[0], a[0], FP_MOD, FP_INV), fmul(a[1], a[1], FP_MOD, FP_INV), FP_MOD)
    ni = fpow(n, FP_PM2, FP_ONE, FP_MOD, FP_INV)
    return (fmul(a[0], ni, FP_MOD, FP_INV), fsub(Z4, fmul(a[1], ni, FP_MOD, FP_INV), FP_MOD))


@njit(cache=True)
def _one(ext):
    return (FP_ONE, Z4)


# ---- Jacobian points (X, Y, Z), Z = 0 at infinity --------------------------------------------
@njit(cache=True)
def jdouble(p, ext):
    x, y, z = p
    if eis_zero(z):
        return p
    a = emul(x, x, ext)
    b = emul(y, y, ext)
    c = emul(b, b, ext)
    t = eadd(x, b, ext)
    t = esub(esub(emul(t, t, ext), a, ext), c, ext)
    d = eadd(t, t, ext)
    e = eadd(eadd(a, a, ext), a, ext)
    f = emul(e, e, ext)
    t = emul(y, z, ext)
    z3 = eadd(t, t, ext)
    x3 = esub(f, eadd(d, d, ext), ext)
    c2 = eadd(c, c, ext)
    c4 = eadd(c2, c2, ext)
    c8 = eadd(c4, c4, ext)
    y3 = esub(emul(esub(d, x3, ext), e, ext), c8, ext)
    return (x3, y3, z3)


@njit(cache=True)
def jadd(p, q, ext):
    if eis_zero(q[2]):
        return p
    if eis_zero(p[2]):
        return q
    z1z1 = emul(p[2], p[2], ext)
    z2z2 = emul(q[2], q[2], ext)
    u1 = emul(p[0], z2z2, ext)
    u2 = emul(q[0], z1z1, ext)
    s1 = emul(emul(p[1], q[2], ext), z2z2, ext)
    s2 = emul(emul(q[1], p[2], ext), z1z1, ext)
    h = esub(u2, u1, ext)
    rr = esub(s2, s1, ext)
    if eis_zero(h):
        if eis_zero(rr):
            return jdouble(p, ext)
        return (_one(ext), _one(ext), (Z4, Z4))
    rr = eadd(rr, rr, ext)
    i = eadd(h, h, ext)
    i = emul(i, i, ext)
    j = emul(h, i, ext)
    v = emul(u1, i, ext)
    x3 = esub(esub(esub(emul(rr, rr, ext), j, ext), v, ext), v, ext)
    t = emul(s1, j, ext)
    y3 = esub(emul(rr, esub(v, x3, ext), ext), eadd(t, t, ext), ext)
    zz = eadd(p[2], q[2], ext)
    z3 = emul(esub(esub(emul(zz, zz, ext), z1z1, ext), z2z2, ext), h, ext)
    return (x3, y3, z3)


@njit(cache=True)
def _load_point(bases, i, ext):
    """Row i of prepared bases as a Jacobian point (Z = 1, or 0 at infinity)."""
    row = bases[i]
    x0 = (row[0], row[1], row[2], row[3])
    if ext:
        x1 = (row[4], row[5], row[6], row[7])
        y0 = (row[8], row[9], row[10], row[11])
        y1 = (row[12], row[13], row[14], row[15])
    else:
        x1 = Z4
        y0 = (row[4], row[5], row[6], row[7])
        y1 = Z4
    x = (x0, x1)
    y = (y0, y1)
    if eis_zero(x) and eis_zero(y):
        return (_one(ext), _one(ext), (Z4, Z4))
    return (x, y, _one(ext))


@njit(cache=True)
def _digits(scalars, c, nwin):
    """Signed c-bit digits, window-major, of scalars reduced modulo R."""
    n = scalars.shape[0]
    out = np.zeros((nwin, n), dtype=np.int64)
    half = 1 << (c - 1)
    mask = (1 << c) - 1
    for i in range(n):
        s = (scalars[i, 0], scalars[i, 1], scalars[i, 2], scalars[i, 3])
        while _geq(s, FR_MOD):
            s, _ = _sub4(s, FR_MOD)
        carry = 0
        for w in range(nwin):
            bit = w * c
            limb = bit // 64
            off = bit % 64
            v = ZERO
            if limb < 4:
                v = s[limb] >> U64(off)
                if off + c > 64 and limb + 1 < 4:
                    v |= s[limb + 1] << U64(64 - off)
            val = int(v & U64(mask)) + carry
            if val > half:
                out[w, i] = val - (1 << c)
                carry = 1
            else:
                out[w, i] = val
                carry = 0
    return out


@njit(cache=True)
def _msm(bases, scalars, c, ext):
    n = scalars.shape[0]
    nwin = 254 // c + 1
    digits = _digits(scalars, c, nwin)
    nb = 1 << (c - 1)
    inf = (_one(ext), _one(ext), (Z4, Z4))
    # window sums as flat limb arrays (prange bodies cannot return tuples into a list)
    sums = np.zeros((nwin, 3, 2, 4), dtype=np.uint64)
    for w in range(nwin):
        buckets = [inf for _ in range(nb)]
        for i in range(n):
            d = digits[w, i]
            if d == 0:
                continue
            p = _load_point(bases, i, ext)
            if d < 0:
                p = (p[0], eneg(p[1], ext), p[2])
                d = -d
            buckets[d - 1] = jadd(buckets[d - 1], p, ext)
        running = inf
        total = inf
        for b in range(nb - 1, -1, -1):
            running = jadd(running, buckets[b], ext)
            total = jadd(total, running, ext)
        for k in range(3):
            for e in range(2):
                for l in range(4):
                    sums[w, k, e, l] = total[k][e][l]
    acc = inf
    for w in range(nwin - 1, -1, -1):
        for _ in range(c):
            acc = jdouble(acc, ext)
        t = sums[w]
        pt = (((t[0, 0, 0], t[0, 0, 1], t[0, 0, 2], t[0, 0, 3]), (t[0, 1, 0], t[0, 1, 1], t[0, 1, 2], t[0, 1, 3])),
              ((t[1, 0, 0], t[1, 0, 1], t[1, 0, 2], t[1, 0, 3]), (t[1, 1, 0], t[1, 1, 1], t[1, 1, 2], t[1, 1, 3])),
              ((t[2, 0, 0], t[2, 0, 1], t[2, 0, 2], t[2, 0, 3]), (t[2, 1, 0], t[2, 1, 1], t[2, 1, 2], t[2, 1, 3])))
        acc = jadd(acc, pt, ext)
    # to affine, Montgomery limbs out: x0 x1 y0 y1, all zero at infinity
    out = np.zeros(16, dtype=np.uint64)
    if eis_zero(acc[2]):
        return out
    zi = einv(acc[2], ext)
    zi2 = emul(zi, zi, ext)
    x = emul(acc[0], zi2, ext)
    y = emul(acc[1], emul(zi2, zi, ext), ext)
    vals = (x[0], x[1], y[0], y[1])
    for k in range(4):
        for l in range(4):
            out[4 * k + l] = vals[k][l]
    return out


@njit(cache=True)
def _to_mont_fr(a):
    for i in range(a.shape[0]):
        r = fmul((a[i, 0], a[i, 1], a[i, 2], a[i, 3]), FR_R2, FR_MOD, FR_INV)
        for l in range(4):
            a[i, l] = r[l]


@njit(cache=True)
def _from_mont_fr(a):
    one = (ONE, ZERO, ZERO, ZERO)
    for i in range(a.shape[0]):
        r = fmul((a[i, 0], a[i, 1], a[i, 2], a[i, 3]), one, FR_MOD, FR_INV)
        for l in range(4):
            a[i, l] = r[l]


@njit(cache=True)
def _powers(g, start, n):
    """start * g^j for j < n (Montgomery), as an (n, 4) array."""
    out = np.empty((n, 4), dtype=np.uint64)
    t = start
    for j in range(n):
        for l in range(4):
            out[j, l] = t[l]
        t = fmul(t, g, FR_MOD, FR_INV)
    return out


@njit(cache=True)
def _scale(a, f):
    for i in range(a.shape[0]):
        r = fmul((a[i, 0], a[i, 1], a[i, 2], a[i, 3]), (f[i, 0], f[i, 1], f[i, 2], f[i, 3]), FR_MOD, FR_INV)
        for l in range(4):
            a[i, l] = r[l]


@njit(cache=True)
def _ntt_forward(a, tw, log):
    """In place, Montgomery elements; tw[h + j] = w_(2h)^j as in the C kernel."""
    n = a.shape[0]
    for i in range(n):
        j = 0
        x = i
        for _ in range(log):
            j = (j << 1) | (x & 1)
            x >>= 1
        if i < j:
            for l in range(4):
                t = a[i, l]
                a[i, l] = a[j, l]
                a[j, l] = t
    h = 1
    while h < n:
        for s in range(0, n, 2 * h):
            for j in range(h):
                w = (tw[h + j, 0], tw[h + j, 1], tw[h + j, 2], tw[h + j, 3])
                u = (a[s + j, 0], a[s + j, 1], a[s + j, 2], a[s + j, 3])
                v = (a[s + j + h, 0], a[s + j + h, 1], a[s + j + h, 2], a[s + j + h, 3])
                v = fmul(v, w, FR_MOD, FR_INV)
                x = fadd(u, v, FR_MOD)
                y = fsub(u, v, FR_MOD)
                for l in range(4):
                    a[s + j, l] = x[l]
                    a[s + j + h, l] = y[l]
        h *= 2


def _mont_fr(v: int) -> tuple:
    return _limbs(v * MONT % R)


_TWIDDLES: dict[int, np.ndarray] = {}


def _twiddles(log: int) -> np.ndarray:
    """The table tw[h + j] = w_(2h)^j for every stage of a 2^log transform (cached per size)."""
    if log not in _TWIDDLES:
        n = 1 << log
        tw = np.zeros((max(n, 1), 4), dtype=np.uint64)
        h, k = 1, 1
        while h < n:
            tw[h:2 * h] = _powers(_mont_fr(root_of_unity(k)), _mont_fr(1), h)
            h, k = 2 * h, k + 1
        _TWIDDLES[log] = tw
    return _TWIDDLES[log]


def msm_window(n: int) -> int:
    """Window for the numba MSM's Jacobian buckets: cost n*11 + 2^(c-1)*27 per window."""
    best, best_cost = 1, float("inf")
    for c in range(1, 21):
        cost = (254 // c + 1) * (n * 11 + (1 << (c - 1)) * 27)
        if cost < best_cost:
            best, best_cost = c, cost
    return best


# ---- point validation of Montgomery rows (.zkey/.ptau sections), as the C check does -------
def _mont2(c: tuple[int, int]) -> tuple:
    return (_limbs(c[0] * MONT % P), _limbs(c[1] * MONT % P))


def _fp2(v: bn128.FQ2) -> tuple[int, int]:
    return (int(v.coeffs[0]), int(v.coeffs[1]))


XI = bn128.FQ2([9, 1])
CURVE_B = (_mont2((3, 0)), _mont2(_fp2(bn128.b2)))
PSI_X = _mont2(_fp2(XI ** ((P - 1) // 3)))
PSI_Y = _mont2(_fp2(XI ** ((P - 1) // 2)))
BN_X = ATE_X


@njit(cache=True)
def _on_curve(x, y, ext):
    b = CURVE_B[1] if ext else CURVE_B[0]
    return eis_zero(esub(emul(y, y, ext), eadd(emul(emul(x, x, ext), x, ext), b, ext), ext))


@njit(cache=True)
def _psi(p):
    """The untwist-Frobenius-twist endomorphism on Jacobian G2 points (see native/src/curve.h)."""
    x, y, z = p
    cx = (x[0], fsub(Z4, x[1], FP_MOD))
    cy = (y[0], fsub(Z4, y[1], FP_MOD))
    cz = (z[0], fsub(Z4, z[1], FP_MOD))
    return (emul(cx, PSI_X, True), emul(cy, PSI_Y, True), cz)


@njit(cache=True)
def _jneg(p):
    return (p[0], eneg(p[1], True), p[2])


@njit(cache=True)
def _in_g2(p):
    """[x+1]Q + psi([x]Q) + psi^2([x]Q) = psi^3([2x]Q) (ePrint 2022/348), x the BN parameter."""
    xq = (_one(True), _one(True), (Z4, Z4))
    for i in range(62, -1, -1):
        xq = jdouble(xq, True)
        if (BN_X >> i) & 1:
            xq = jadd(xq, p, True)
    psi1 = _psi(xq)
    psi2 = _psi(psi1)
    lhs = jadd(jadd(jadd(xq, p, True), psi1, True), psi2, True)
    rhs = _psi(psi2)
    rhs = jadd(rhs, rhs, True)
    return eis_zero(jadd(rhs, _jneg(lhs), True)[2])


# the checks as numba compiles them: plain ints, frozen into the kernel
_CANONICAL, _CURVE, _SUBGROUP = int(Check.CANONICAL), int(Check.CURVE), int(Check.SUBGROUP)


@njit(cache=True)
def _check_rows(rows, ext, level):
    """(index, failed Check) of the first invalid Montgomery row checked up to ``level``, or (-1, 0)."""
    width = rows.shape[1] // 4
    for i in range(rows.shape[0]):
        for k in range(width):
            limbs = (rows[i, 4 * k], rows[i, 4 * k + 1], rows[i, 4 * k + 2], rows[i, 4 * k + 3])
            if _geq(limbs, FP_MOD):
                return i, _CANONICAL
        if level < _CURVE:
            continue
        p = _load_point(rows, i, ext)
        if eis_zero(p[2]):
            continue
        if not _on_curve(p[0], p[1], ext):
            return i, _CURVE
        if level >= _SUBGROUP and ext and not _in_g2(p):
            return i, _SUBGROUP
    return -1, 0


class NumbaBackend(ReferenceBackend):
    """The reference backend with MSM and NTT kernels compiled by numba."""

    name = "numba"
    R = R

    def msm_prepared(self, bases: PreparedBases, scalars, window: int = 0) -> Point:
        k = check_fr_array(scalars, "scalars")
        m = k.shape[0]
        if m > len(bases):
            raise InvalidArgumentError(f"msm: {m} scalars but only {len(bases)} bases")
        if m == 0:
            return None
        ext = bases.group is Group.G2
        arr = np.ascontiguousarray(bases.array[:m], dtype=np.uint64)
        out = _msm(arr, k, window or msm_window(m), ext)
        coords = [v * MONT_INV_P % P for v in array_to_ints(out)]
        if not any(coords):
            return None
        if not ext:
            return (coords[0], coords[2])
        return ((coords[0], coords[1]), (coords[2], coords[3]))

    def check_points_array(self, group: Group, points, upto: CheckLevel = "subgroup",
                           mont: bool = False) -> Optional[tuple[int, str]]:
        """See :meth:`Backend.check_points_array`; compiled, so a .zkey's points are checked
        at a usable speed without the C core."""
        rows = np.ascontiguousarray(points, dtype=np.uint64)
        width = 4 * group.coords
        if rows.ndim != 2 or rows.shape[1] != width:
            raise InvalidArgumentError(f"{group} points must have shape (n, {width}), not {rows.shape}")
        if not mont:
            found = _check_rows(rows, group is Group.G2, _CANONICAL)
            if found[0] >= 0:
                return int(found[0]), Check.CANONICAL.reason
            rows = ints_to_array([c * MONT % P for c in array_to_ints(rows)]).reshape(rows.shape)
        index, code = _check_rows(rows, group is Group.G2, int(Check.upto(upto)))
        return None if index < 0 else (int(index), Check(code).reason)

    def ntt_array(self, values, inverse: bool = False, shift: Optional[int] = None):
        a = np.array(check_fr_array(values, "ntt input"), dtype=np.uint64, order="C", copy=True)
        n = a.shape[0]
        log = ntt_log(n)
        if any(v >= R for v in array_to_ints(a[a[:, 3] >= U64(R >> 192)])):
            raise InvalidFieldElementError("ntt input holds a value that is not < R")
        if shift is not None and shift % R == 0:
            raise InvalidArgumentError("the coset shift must be nonzero modulo R")
        _to_mont_fr(a)
        if not inverse:
            if shift is not None:
                _scale(a, _powers(_mont_fr(shift % R), _mont_fr(1), n))
            _ntt_forward(a, _twiddles(log), log)
        else:
            _ntt_forward(a, _twiddles(log), log)
            a[1:] = a[1:][::-1].copy()
            g_inv = pow(shift % R, -1, R) if shift is not None else 1
            _scale(a, _powers(_mont_fr(g_inv), _mont_fr(pow(n, -1, R)), n))
        _from_mont_fr(a)
        return a
