"""Baby Jubjub and EdDSA-Poseidon: twins agree, honest signatures pass, forgeries fail."""

from __future__ import annotations

import pytest

from prozchain.circuits.gadgets import babyjub
from prozchain.circuits.gadgets.babyjub import BASE8, GENERATOR, IDENTITY, SUBORDER
from prozchain.circuits.gadgets.bits import to_bits
from prozchain.circuits.gadgets.eddsa import Signature, public_key, sign, verify, verify_gadget
from prozchain.circuits.testing import check_circuit
from prozchain.native.curve import R
from tests.circuits.helpers import assert_mutations_rejected, compile_fn


def random_point(rng):
    return babyjub.mul(BASE8, rng.randrange(1, SUBORDER))


def test_curve_facts():
    assert babyjub.mul(GENERATOR, 8) == BASE8 and babyjub.in_subgroup(BASE8)
    assert babyjub.mul(BASE8, SUBORDER - 1) == (R - BASE8[0], BASE8[1])  # -P = (-x, y)
    assert babyjub.add(BASE8, IDENTITY) == BASE8 and not babyjub.on_curve((1, 2))


def test_point_gadgets_equal_their_twins(rng):
    def define(c):
        p, q, k = c.private_input("p", 2), c.private_input("q", 2), c.private_input("k")
        bits = to_bits(k, 16)
        babyjub.assert_on_curve(p)
        c.output("out", [
            list(babyjub.add_gadget(p, q)), list(babyjub.double_gadget(p)),
            list(babyjub.mul_fixed(bits, BASE8)), list(babyjub.mul_var(bits, q)),
        ])

    c = compile_fn(define)
    for _ in range(3):
        p, q, k = random_point(rng), random_point(rng), rng.randrange(1 << 16)
        w = c.solve({"p": list(p), "q": list(q), "k": k})
        expected = [babyjub.add(p, q), babyjub.add(p, p), babyjub.mul(BASE8, k), babyjub.mul(q, k)]
        assert c.outputs(w)["out"] == [list(e) for e in expected]
    assert_mutations_rejected(c, w, rng, samples=40)
    check_circuit(c, invalid=[{"p": [1, 2], "q": list(q), "k": 1}])  # p is not on the curve


@pytest.fixture(scope="module")
def verifier():
    def define(c):
        msg, a = c.private_input("msg"), c.public_input("A", 2)
        r8, s = c.private_input("R8", 2), c.private_input("S")
        verify_gadget(msg, a, r8, s)

    return compile_fn(define, "Verify")


def signed(key: bytes, msg: int) -> dict:
    sig = sign(key, msg)
    return {"msg": msg, "A": list(public_key(key)), "R8": list(sig.R8), "S": sig.S}


def test_eddsa_out_of_circuit(rng):
    key = rng.randbytes(32)
    msg = rng.randrange(R)
    sig, pub = sign(key, msg), public_key(key)
    assert verify(msg, sig, pub)
    assert not verify(msg + 1, sig, pub)
    assert not verify(msg, Signature(sig.R8, sig.S + SUBORDER), pub)
    assert not verify(msg, sig, public_key(rng.randbytes(32)))


def test_eddsa_gadget_accepts_honest_and_rejects_forged(verifier, rng):
    key = rng.randbytes(32)
    good = signed(key, rng.randrange(R))
    other = signed(rng.randbytes(32), good["msg"])
    forged = [
        dict(good, msg=(good["msg"] + 1) % R),
        dict(good, S=(good["S"] + 1) % R),
        dict(good, S=good["S"] + SUBORDER),  # the same point, non-canonical S
        dict(good, A=other["A"]),
        dict(good, R8=other["R8"]),
        dict(good, R8=list(babyjub.add(tuple(good["R8"]), BASE8))),
        dict(good, A=[0, 1]),  # the identity as public key
    ]
    check_circuit(verifier, valid=[good, other], invalid=forged)
    assert_mutations_rejected(verifier, verifier.solve(good), rng, samples=10)


def test_eddsa_gadget_refuses_small_order_keys(verifier):
    # (0, -1) has order 2: 8A is the identity and "S * B8 == R8 + hm * 8A" holds for R8 = S * B8.
    s = 12345
    forged = {"msg": 1, "A": [0, R - 1], "R8": list(babyjub.mul(BASE8, s)), "S": s}
    check_circuit(verifier, invalid=[forged])
