"""Groth16 over BN254: the proof and the verification key, as validated values.

A proof is three points (A in G1, B in G2, C in G1). A verification key holds alpha (G1),
beta, gamma, delta (G2) and IC: one G1 point for the constant wire and one per public input.
Both are built from points that were validated on the way in (see :mod:`prozchain.prover.curve`).
:func:`degenerate` says why a key would accept proofs of false statements from anyone; such a
key is still a key (a prover may use it), but verifiers and readers refuse it.

>>> from prozchain.prover import G1Point, G2Point
>>> g1, g2 = G1Point.generator(), G2Point.generator()
>>> Proof(g1, g2, g1).a == g1
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from prozchain.prover.curve import G1Point, G2Point
from prozchain.prover.pairing import GT, pairing


@dataclass(frozen=True)
class Proof:
    a: G1Point
    b: G2Point
    c: G1Point


@dataclass(frozen=True)
class VerificationKey:
    alpha: G1Point
    beta: G2Point
    gamma: G2Point
    delta: G2Point
    ic: tuple[G1Point, ...]

    @property
    def n_public(self) -> int:
        """How many public inputs (outputs first, then inputs, as circom orders them) it takes."""
        return len(self.ic) - 1

    @cached_property
    def alpha_beta(self) -> GT:
        """e(alpha, beta): the same for every proof, so computed once per key."""
        return pairing(self.alpha, self.beta)


def degenerate(vk: VerificationKey) -> str:
    """Why ``vk`` is degenerate, or "" if it is not. IC_j at infinity drops public input j - 1
    from the check: a proof then verifies with any value of it. With gamma = delta (or -delta),
    e(vk_x, gamma) e(C, delta) depends on vk_x + C (or vk_x - C) alone, so a proof's C can be
    moved to other inputs: snarkjs's keys before any phase-2 contribution have gamma = delta = the
    generator. alpha, beta, gamma or delta at infinity removes a factor of the check."""
    for name in ("alpha", "beta", "gamma", "delta"):
        if getattr(vk, name).is_infinity:
            return f"{name} is the point at infinity"
    for j, point in enumerate(vk.ic):
        if point.is_infinity:
            accepts = f" (any value of public input {j - 1} would verify)" if j else ""
            return f"IC[{j}] is the point at infinity{accepts}"
    if vk.gamma == vk.delta or vk.gamma == -vk.delta:
        return ("gamma = delta or -delta (a proof's C could be moved to other public inputs; a snarkjs key "
                "needs a phase-2 contribution)")
    return ""
