"""A test-only stand-in for the BN254 backend, built on py_ecc's optimized curve.

It implements just what the L1 precompiles call (``is_on_curve``, ``in_subgroup``, ``g_add``,
``g_mul``, ``pairing_check``) so this branch's tests run before the project's reference and C
backends are merged. Select it with ``PROZ_BACKEND=pyecc-shim``; any other value goes through
:func:`native.get_backend`.
"""

from __future__ import annotations

from py_ecc import optimized_bn128 as ob
from py_ecc.optimized_bn128.optimized_pairing import pairing as _pairing

from native.backend import Backend

NAME = "pyecc-shim"


def to_jacobian(group: str, point):
    if point is None:
        return ob.Z1 if group == "g1" else ob.Z2
    if group == "g1":
        return (ob.FQ(point[0]), ob.FQ(point[1]), ob.FQ.one())
    return (ob.FQ2(list(point[0])), ob.FQ2(list(point[1])), ob.FQ2.one())


def to_affine(group: str, point):
    if ob.is_inf(point):
        return None
    x, y = ob.normalize(point)
    if group == "g1":
        return (int(x), int(y))
    return (tuple(int(c) for c in x.coeffs), tuple(int(c) for c in y.coeffs))


class PyEccShim(Backend):
    name = NAME

    def is_on_curve(self, group, a):
        if a is None:
            return True
        return ob.is_on_curve(to_jacobian(group, a), ob.b if group == "g1" else ob.b2)

    def in_subgroup(self, group, a):
        return group == "g1" or ob.is_inf(ob.multiply(to_jacobian(group, a), ob.curve_order))

    def g_add(self, group, a, b):
        return to_affine(group, ob.add(to_jacobian(group, a), to_jacobian(group, b)))

    def g_mul(self, group, a, k):
        # py_ecc reduces nothing for us: multiply by k mod R is exact only in the subgroup,
        # which G1 is entirely (cofactor 1).
        return to_affine(group, ob.multiply(to_jacobian(group, a), k % ob.curve_order))

    def pairing_check(self, pairs):
        product = ob.FQ12.one()
        for p, q in pairs:
            product *= _pairing(to_jacobian("g2", q), to_jacobian("g1", p), final_exponentiate=False)
        return ob.final_exponentiate(product) == ob.FQ12.one()
