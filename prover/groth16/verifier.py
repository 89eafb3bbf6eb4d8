"""Groth16 verification: one proof, and many proofs of one key at once.

One proof: e(A, B) = e(alpha, beta) e(vk_x, gamma) e(C, delta), vk_x = IC_0 + sum_j x_j IC_j,
checked as a product of four pairings equal to one (four Miller loops, one final exponentiation).

A batch of N proofs: with random 128-bit r_i, the single check
    prod_i e(r_i A_i, B_i) * e(-sum_i r_i vk_x_i, gamma) * e(-sum_i r_i C_i, delta)
        = e(alpha, beta)^(sum_i r_i)
costs N + 2 Miller loops and one final exponentiation; a batch with a bad proof fails it except
with probability about 2^-128. When it fails, each proof is checked alone to name the bad ones.

>>> from prozchain.prover.groth16.simulate import toy_key_and_proof
>>> vk, public, proof = toy_key_and_proof()
>>> verify(vk, public, proof)
True
>>> verify(vk, [public[0] + 1], proof)
False
>>> batch_verify(vk, [(public, proof), ([public[0] + 1], proof)]).bad
[1]
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Sequence

from prozchain.native.curve import R
from prozchain.prover.curve import G1Point
from prozchain.prover.errors import InvalidPublicInputs, InvalidVerificationKey
from prozchain.prover.groth16.keys import Proof, VerificationKey, degenerate
from prozchain.prover.pairing import multi_pairing, pairing_check

BATCH_SECURITY_BITS = 128


def check_verification_key(vk: VerificationKey) -> None:
    """Refuse a key under which proofs can verify for statements they do not prove."""
    problem = degenerate(vk)
    if problem:
        raise InvalidVerificationKey(problem)


def check_public_inputs(vk: VerificationKey, public: Sequence[int]) -> list[int]:
    """The public inputs as ints, or :class:`InvalidPublicInputs` naming what is wrong."""
    if len(public) != vk.n_public:
        raise InvalidPublicInputs(f"the key takes {vk.n_public} public inputs, got {len(public)}")
    values = []
    for i, x in enumerate(public):
        if isinstance(x, bool) or not isinstance(x, int) or not 0 <= x < R:
            raise InvalidPublicInputs(f"public input {i} = {x!r} is not a field element (0 <= x < R)")
        values.append(x)
    return values


def public_input_point(vk: VerificationKey, public: Sequence[int]) -> G1Point:
    """vk_x = IC_0 + sum_j x_j IC_j."""
    acc = vk.ic[0]
    for x, point in zip(check_public_inputs(vk, public), vk.ic[1:]):
        acc = acc + point * x
    return acc


def verify(vk: VerificationKey, public: Sequence[int], proof: Proof) -> bool:
    """Whether ``proof`` proves the statement with these public inputs under ``vk``.

    Malformed inputs (wrong count, values not below R) raise :class:`InvalidPublicInputs`, a
    degenerate key :class:`InvalidVerificationKey`; the points of ``proof`` and ``vk`` were
    validated when they were built.
    """
    check_verification_key(vk)
    return pairing_equation_holds(vk, public, proof)


def pairing_equation_holds(vk: VerificationKey, public: Sequence[int], proof: Proof) -> bool:
    """Groth16's equation e(A, B) = e(alpha, beta) e(vk_x, gamma) e(C, delta), without judging
    the key: what a prover checks of its own output (a snarkjs key before its phase-2
    contribution still proves correctly, though no verifier should trust it)."""
    vk_x = public_input_point(vk, public)
    return pairing_check([(-proof.a, proof.b), (vk.alpha, vk.beta), (vk_x, vk.gamma), (proof.c, vk.delta)])


@dataclass(frozen=True)
class BatchResult:
    """``ok`` when every proof verifies; otherwise ``bad`` lists the failing indices."""

    ok: bool
    bad: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok


def batch_verify(vk: VerificationKey, items: Sequence[tuple[Sequence[int], Proof]]) -> BatchResult:
    """Verify many (public inputs, proof) pairs of one key with N + 2 Miller loops."""
    check_verification_key(vk)
    if not items:
        return BatchResult(True)
    weights = [secrets.randbits(BATCH_SECURITY_BITS) | 1 for _ in items]
    pairs = [(proof.a * r, proof.b) for r, (_, proof) in zip(weights, items)]
    vk_x_sum = G1Point.infinity()
    c_sum = G1Point.infinity()
    for r, (public, proof) in zip(weights, items):
        vk_x_sum = vk_x_sum + public_input_point(vk, public) * r
        c_sum = c_sum + proof.c * r
    pairs += [(-vk_x_sum, vk.gamma), (-c_sum, vk.delta)]
    if multi_pairing(pairs) == vk.alpha_beta ** sum(weights):
        return BatchResult(True)
    return BatchResult(False, [i for i, (public, proof) in enumerate(items) if not verify(vk, public, proof)])
