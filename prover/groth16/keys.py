"""Groth16 over BN254: the proof and the verification key, as validated values.

A proof is three points (A in G1, B in G2, C in G1). A verification key holds alpha (G1),
beta, gamma, delta (G2) and IC: one G1 point for the constant wire and one per public input.
Both are built from points that were validated on the way in (see :mod:`prover.curve`).

>>> from prover import G1Point, G2Point
>>> g1, g2 = G1Point.generator(), G2Point.generator()
>>> Proof(g1, g2, g1).a == g1
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from prover.curve import G1Point, G2Point
from prover.pairing import GT, pairing


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
