"""Groth16 over BN254: keys, proofs, verification and batch verification.

>>> from prozchain.prover.groth16 import verify, Trapdoor
>>> trapdoor = Trapdoor.random(n_public=1, seed=3)
>>> verify(trapdoor.verification_key(), [9], trapdoor.prove([9]))
True
"""

from prozchain.prover.errors import InvalidPublicInputs, InvalidVerificationKey
from prozchain.native.lazy import lazy

__all__ = ["Proof", "VerificationKey", "Trapdoor", "verify", "batch_verify", "BatchResult", "InvalidPublicInputs",
           "InvalidVerificationKey"]

# on first use: `groth16 prove` imports this package for its one-shot path, which needs none of these
__getattr__ = lazy(__name__, {
    "Proof": "prozchain.prover.groth16.keys",
    "VerificationKey": "prozchain.prover.groth16.keys",
    "Trapdoor": "prozchain.prover.groth16.simulate",
    "BatchResult": "prozchain.prover.groth16.verifier",
    "batch_verify": "prozchain.prover.groth16.verifier",
    "verify": "prozchain.prover.groth16.verifier",
})
