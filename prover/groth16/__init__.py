"""Groth16 over BN254: keys, proofs, verification and batch verification.

>>> from prozchain.prover.groth16 import verify, Trapdoor
>>> trapdoor = Trapdoor.random(n_public=1, seed=3)
>>> verify(trapdoor.verification_key(), [9], trapdoor.prove([9]))
True
"""

from prozchain.prover.errors import InvalidPublicInputs, InvalidVerificationKey
from prozchain.prover.groth16.keys import Proof, VerificationKey
from prozchain.prover.groth16.simulate import Trapdoor
from prozchain.prover.groth16.verifier import BatchResult, batch_verify, verify

__all__ = ["Proof", "VerificationKey", "Trapdoor", "verify", "batch_verify", "BatchResult", "InvalidPublicInputs",
           "InvalidVerificationKey"]
