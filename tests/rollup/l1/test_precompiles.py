"""EIP-196/197 precompiles: agreement with py_ecc and Ethereum's rejection rules."""

from __future__ import annotations

import random

import pytest
from py_ecc import bn128
from py_ecc import optimized_bn128 as ob
from py_ecc.optimized_bn128.optimized_pairing import pairing as miller

from prozchain.native.curve import P
from prozchain.prover.twist import twist_point_outside_g2
from prozchain.rollup.l1 import Chain, Key, PrecompileFailure
from prozchain.rollup.l1.precompiles import ec_add, ec_mul, ec_pairing
from tests.rollup.l1.sample_contracts import Inner, Outer

SEED = 20261125
ALICE = Key.from_seed(b"alice")


def word(n: int) -> bytes:
    return n.to_bytes(32, "big")


def enc_g1(point) -> bytes:
    return bytes(64) if point is None else word(int(point[0])) + word(int(point[1]))


def enc_g2(point) -> bytes:
    """EIP-197 order: x imaginary, x real, y imaginary, y real."""
    if point is None:
        return bytes(128)
    (x_re, x_im), (y_re, y_im) = (c.coeffs for c in point)
    return word(int(x_im)) + word(int(x_re)) + word(int(y_im)) + word(int(y_re))


def py_ecc_check(pairs) -> bool:
    """The oracle: py_ecc's product of Miller loops, one final exponentiation."""
    acc = ob.FQ12.one()
    for p, q in pairs:
        acc *= miller(_jac2(q), _jac1(p), final_exponentiate=False)
    return ob.final_exponentiate(acc) == ob.FQ12.one()


def _jac1(p):
    return (ob.FQ(int(p[0])), ob.FQ(int(p[1])), ob.FQ.one())


def _jac2(q):
    return (ob.FQ2([int(c) for c in q[0].coeffs]), ob.FQ2([int(c) for c in q[1].coeffs]), ob.FQ2.one())


rng = random.Random(SEED)
A, B = rng.randrange(1, bn128.curve_order), rng.randrange(1, bn128.curve_order)


def test_ec_add_agrees_with_py_ecc(backend):
    p, q = bn128.multiply(bn128.G1, A), bn128.multiply(bn128.G1, B)
    assert ec_add(enc_g1(p) + enc_g1(q), backend) == enc_g1(bn128.add(p, q))
    assert ec_add(enc_g1(p) + enc_g1(bn128.neg(p)), backend) == bytes(64)
    assert ec_add(enc_g1(p), backend) == enc_g1(p)  # short input: the second point reads as zeros
    assert ec_add(enc_g1(p) + enc_g1(q) + b"\xff" * 7, backend) == enc_g1(bn128.add(p, q))


@pytest.mark.parametrize("k", [0, 1, 2, A, bn128.curve_order, bn128.curve_order + 5, 2**256 - 1])
def test_ec_mul_agrees_with_py_ecc(backend, k):
    p = bn128.multiply(bn128.G1, B)
    assert ec_mul(enc_g1(p) + word(k), backend) == enc_g1(bn128.multiply(p, k % bn128.curve_order))


@pytest.mark.parametrize("point, why", [
    ((1 + P, 2), "coordinate"),   # same point as (1, 2) mod P, but not canonical
    ((1, 2 + P), "coordinate"),
    ((1, 3), "not on the curve"),
    ((0, 1), "not on the curve"),
])
def test_g1_rejections(backend, point, why):
    data = word(point[0]) + word(point[1])
    with pytest.raises(PrecompileFailure, match=why):
        ec_add(data + enc_g1(bn128.G1), backend)
    with pytest.raises(PrecompileFailure, match=why):
        ec_mul(data + word(3), backend)
    with pytest.raises(PrecompileFailure, match=why):
        ec_pairing(data + enc_g2(bn128.G2), backend)


def test_pairing_agrees_with_py_ecc(backend):
    a_p = bn128.multiply(bn128.G1, A)
    b_q = bn128.multiply(bn128.G2, B)
    minus_ab_p = bn128.neg(bn128.multiply(bn128.G1, A * B % bn128.curve_order))
    holds = [(a_p, b_q), (minus_ab_p, bn128.G2)]
    fails = [(a_p, b_q), (minus_ab_p, bn128.multiply(bn128.G2, 2))]
    for pairs, expected in ((holds, True), (fails, False)):
        data = b"".join(enc_g1(p) + enc_g2(q) for p, q in pairs)
        assert py_ecc_check(pairs) is expected
        assert ec_pairing(data, backend) == word(int(expected))


def test_pairing_edge_inputs(backend):
    assert ec_pairing(b"", backend) == word(1)
    assert ec_pairing(enc_g1(None) + enc_g2(bn128.G2), backend) == word(1)
    assert ec_pairing(enc_g1(bn128.G1) + enc_g2(None), backend) == word(1)
    with pytest.raises(PrecompileFailure, match="multiple of 192"):
        ec_pairing(enc_g1(bn128.G1) + enc_g2(bn128.G2) + b"\x00", backend)
    with pytest.raises(PrecompileFailure, match="multiple of 192"):
        ec_pairing(bytes(191), backend)


def test_pairing_rejects_bad_g2(backend):
    good = enc_g2(bn128.G2)
    g1 = enc_g1(bn128.G1)
    with pytest.raises(PrecompileFailure, match="subgroup"):
        (x0, x1), (y0, y1) = twist_point_outside_g2(random.Random(SEED))
        ec_pairing(g1 + word(x1) + word(x0) + word(y1) + word(y0), backend)
    # real and imaginary parts swapped (the wrong order) is off the curve
    swapped = good[32:64] + good[:32] + good[96:] + good[64:96]
    with pytest.raises(PrecompileFailure, match="not on the twist"):
        ec_pairing(g1 + swapped, backend)
    too_big = word(int.from_bytes(good[:32], "big") + P) + good[32:]
    with pytest.raises(PrecompileFailure, match="x_imaginary coordinate"):
        ec_pairing(g1 + too_big, backend)


def test_contract_pairing_call_and_failure(backend):
    chain = Chain({ALICE.address: 10**20}, backend=backend)
    inner, _ = chain.deploy(ALICE, Inner)
    outer, _ = chain.deploy(ALICE, Outer, inner)
    ok = chain.transact(ALICE, outer, "pairing", enc_g1(None) + enc_g2(bn128.G2), gas_limit=200_000)
    assert ok.status and ok.return_value is True
    bad = chain.transact(ALICE, outer, "pairing", word(1) + word(3) + enc_g2(bn128.G2), gas_limit=200_000)
    # The failing STATICCALL spends all it was given (EIP-150: all but a 64th) and reverts.
    assert not bad.status and bad.error.startswith("Revert") and "PrecompileFailure" in bad.error
    assert 200_000 - 200_000 // 64 <= bad.gas_used < 200_000
