"""A Groth16 verifier contract per verification key, the one the rooms that prove on L1 deploy
(the ZK rollup's batches, the sidechain's ZK light client), checking proofs through the EIP-197
pairing precompile (and EIP-196 ecMul/ecAdd for the public-input point), so verification costs
what it would on Ethereum: 45,000 + 4 x 34,000 for the pairings, 6,150 per public input.

Like snarkjs's generated Solidity verifier, the key is part of the contract's code (class
constants), not storage. A proof travels as 8 words: A (x, y), B (x_im, x_re, y_im, y_re),
C (x, y) (:func:`~prozchain.prover.solidity.proof_words`; its inverse is
:func:`~prozchain.prover.solidity.proof_from_words`).

>>> from prozchain.prover.groth16.simulate import toy_key_and_proof
>>> from prozchain.rollup.l1 import Chain, Key
>>> vk, public, proof = toy_key_and_proof()
>>> me = Key.from_seed(b"me")
>>> chain = Chain({me.address: 10**18})
>>> address, _ = chain.deploy(me, verifier_contract(vk))
>>> chain.view(address, "verify", public, proof_words(proof)), chain.view(address, "verify", [public[0] + 1], proof_words(proof))
(True, False)
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from prozchain.native.curve import P, R
from prozchain.prover.groth16.keys import VerificationKey
from prozchain.prover.solidity import g1_words, g2_words, proof_words
from prozchain.rollup.l1 import Contract, external
from prozchain.rollup.l1.precompiles import WORD

PROOF_WORDS = 8


def _bytes(words: list[int]) -> bytes:
    return b"".join(w.to_bytes(WORD, "big") for w in words)


class Groth16Verifier(Contract):
    """Base of the generated verifiers; subclasses set ``IC``, ``ALPHA``, ``BETA``, ``GAMMA``,
    ``DELTA`` (words, G2 in EIP-197 order)."""

    IC: tuple[tuple[int, int], ...] = ()
    ALPHA: tuple[int, ...] = ()
    BETA = GAMMA = DELTA = ALPHA

    @external
    def verify(self, inputs: list[int], proof: list[int]) -> bool:
        """Whether ``proof`` proves ``inputs``; malformed input reverts with the reason."""
        self.require(len(inputs) == len(self.IC) - 1, f"{len(inputs)} public inputs, the key takes {len(self.IC) - 1}")
        self.require(len(proof) == PROOF_WORDS, f"a proof is {PROOF_WORDS} words, got {len(proof)}")
        self.require(all(0 <= x < R for x in inputs), "a public input is not below the scalar field order")
        self.require(all(0 <= w < P for w in proof), "a proof coordinate is not below the field modulus")
        acc = _bytes(list(self.IC[0]))
        for x, point in zip(inputs, self.IC[1:]):
            term = self.precompile(7, _bytes(list(point) + [x]))
            acc = self.precompile(6, acc + term)
        a_x, a_y = proof[0], proof[1]
        neg_a = [a_x, (P - a_y) % P]
        pairs = neg_a + proof[2:6] + list(self.ALPHA) + list(self.BETA) + list(acc_words(acc)) + \
            list(self.GAMMA) + proof[6:8] + list(self.DELTA)
        return int.from_bytes(self.precompile(8, _bytes(pairs)), "big") == 1


class AcceptAnything(Contract):
    """A broken verifier that skips the check: every proof verifies (what the attack
    scenarios deploy, as compromised governance or with ``defense=off``)."""

    @external
    def verify(self, inputs: list[int], proof: list[int]) -> bool:
        return True


def acc_words(data: bytes) -> tuple[int, int]:
    return int.from_bytes(data[:WORD], "big"), int.from_bytes(data[WORD:2 * WORD], "big")


@lru_cache(maxsize=None)
def _verifier_class(words: tuple[int, ...], n_ic: int) -> type[Groth16Verifier]:
    name = "Groth16Verifier_" + hashlib.sha256(repr(words).encode()).hexdigest()[:16]
    ic = tuple(tuple(words[14 + 2 * i:16 + 2 * i]) for i in range(n_ic))
    return type(name, (Groth16Verifier,), {"__qualname__": name, "__module__": __name__, "ALPHA": words[0:2],
                                           "BETA": words[2:6], "GAMMA": words[6:10], "DELTA": words[10:14],
                                           "IC": ic})


def verifier_contract(vk: VerificationKey) -> type[Groth16Verifier]:
    """The verifier contract class of ``vk`` (one class, one code id, per key)."""
    words = g1_words(vk.alpha) + g2_words(vk.beta) + g2_words(vk.gamma) + g2_words(vk.delta)
    for point in vk.ic:
        words += g1_words(point)
    return _verifier_class(tuple(words), len(vk.ic))
