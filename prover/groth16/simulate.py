"""Groth16's zero-knowledge simulator: valid-looking proofs made from the setup trapdoor.

Whoever knows the trapdoor (alpha, beta, gamma, delta) can make a proof of any statement, no
witness needed; that is why a real setup destroys it. Here it makes keys and proofs for testing
verifiers (and contracts that call them) without a circuit or a prover.

>>> from prozchain.prover.groth16.verifier import verify
>>> trapdoor = Trapdoor.random(n_public=2, seed=1)
>>> vk = trapdoor.verification_key()
>>> verify(vk, [5, 7], trapdoor.prove([5, 7], seed=2))
True
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Optional, Sequence

from prozchain.native.curve import R
from prozchain.prover.curve import G1Point, G2Point
from prozchain.prover.groth16.keys import Proof, VerificationKey


@dataclass(frozen=True)
class Trapdoor:
    """Secret scalars of a setup: alpha, beta, gamma, delta and the discrete logs of IC."""

    alpha: int
    beta: int
    gamma: int
    delta: int
    ic: tuple[int, ...]

    @classmethod
    def random(cls, n_public: int, seed: Optional[int] = None) -> "Trapdoor":
        rng = random.Random(seed)
        draw = lambda: rng.randrange(1, R)  # noqa: E731 - one-line sampler
        return cls(draw(), draw(), draw(), draw(), tuple(draw() for _ in range(n_public + 1)))

    def verification_key(self) -> VerificationKey:
        g1, g2 = G1Point.generator(), G2Point.generator()
        return VerificationKey(g1 * self.alpha, g2 * self.beta, g2 * self.gamma, g2 * self.delta,
                               tuple(g1 * k for k in self.ic))

    def prove(self, public: Sequence[int], seed: Optional[int] = None) -> Proof:
        """A proof that verifies for ``public``: A = a G1, B = b G2 and C chosen so that
        a b = alpha beta + gamma vk_x + delta c in the exponent."""
        rng = random.Random(seed)
        a, b = rng.randrange(1, R), rng.randrange(1, R)
        vk_x = (self.ic[0] + sum(x * k for x, k in zip(public, self.ic[1:]))) % R
        c = (a * b - self.alpha * self.beta - self.gamma * vk_x) * pow(self.delta, -1, R) % R
        return Proof(G1Point.generator() * a, G2Point.generator() * b, G1Point.generator() * c)


def toy_key_and_proof() -> tuple[VerificationKey, list[int], Proof]:
    """A fixed key, one public input and a proof of it, for examples."""
    trapdoor = Trapdoor.random(n_public=1, seed=42)
    return trapdoor.verification_key(), [3], trapdoor.prove([3], seed=43)
