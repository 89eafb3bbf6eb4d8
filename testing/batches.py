"""A ZK rollup batch checked off-chain exactly as the L1 contract checks it, saying which check
failed: the tool for a test (or a watcher) that holds a batch and its proof.

The checks, in the contract's order (``ZkRollup.submit_batch``):

- ``old root``: the batch starts from ``root`` (L1's current root; skipped when not given);
- ``new root``: a field element;
- ``posted data``: the data decodes, its transactions fill the slots exactly, each of a type the
  circuit takes (the contract's own code, :func:`~prozchain.rollup.zk.contracts.rollup.posted_transactions`);
- ``public inputs``: (old root, new root, Poseidon hash of the posted data), the contract's
  statement, is what the proof was made for (``batch.public``, when the prover set it);
- ``proof``: the Groth16 proof verifies for that statement under the rollup's verification key;
  with ``evm=True`` also through the exported Solidity verifier on py-evm (``proof on the EVM``).

A failure raises :class:`BatchRejected` (an ``AssertionError``) whose ``check`` is the name above.

>>> from prozchain.testing.rig import make_rig
>>> rig = make_rig(slots=2, depth=8, n_users=2)
>>> _ = rig.deposit(0, 500), rig.deposit(1, 80)
>>> batch, _, proof = rig.pipeline.run_batch()
>>> forged = Batch(batch.number, batch.txs[::-1], batch.old_root, batch.new_root, public=batch.public)
>>> try:
...     rig.verify_batch(forged, proof)
... except BatchRejected as exc:
...     print(exc.check)
public inputs
"""

from __future__ import annotations

from typing import Optional, Sequence

from prozchain.circuits.txtypes import BatchCircuit, TxRejected, data_hash
from prozchain.native.curve import R
from prozchain.native.errors import ProzError
from prozchain.prover.groth16 import Proof, VerificationKey, verify
from prozchain.prover.solidity import proof_from_words
from prozchain.rollup.zk.agents import Batch
from prozchain.rollup.zk.contracts.rollup import posted_transactions

CHECKS = ("old root", "new root", "posted data", "public inputs", "proof", "proof on the EVM")
PUBLIC_NAMES = ("old root", "new root", "data hash")


class BatchRejected(AssertionError):
    """A batch L1 would refuse; ``check`` names the failed check (one of ``CHECKS``)."""

    def __init__(self, batch: Batch, check: str, reason: str):
        super().__init__(f"batch {batch.number} fails the {check!r} check: {reason}")
        self.check, self.reason = check, reason


def statement(spec: BatchCircuit, batch: Batch, root: Optional[int] = None) -> list[int]:
    """The public inputs the contract verifies ``batch``'s proof for, after the checks before
    the proof (``BatchRejected`` when one fails)."""
    __tracebackhide__ = True
    if root is not None and batch.old_root != root:
        raise BatchRejected(batch, "old root", f"old root {batch.old_root} is not L1's current root {root}")
    if not 0 <= batch.new_root < R:
        raise BatchRejected(batch, "new root", f"new root {batch.new_root} is not a field element")
    try:
        decoded = posted_transactions(batch.data, spec.slots, spec.n_elements)
    except TxRejected as exc:
        raise BatchRejected(batch, "posted data", str(exc)) from None
    return [batch.old_root, batch.new_root, data_hash(decoded, spec.n_elements)]


def verify_batch(vk: VerificationKey, spec: BatchCircuit, batch: Batch, proof: Proof | Sequence[int],
                 root: Optional[int] = None, evm: bool = False, solc: Optional[Sequence[str]] = None) -> list[int]:
    """Check ``batch`` and its ``proof`` (a :class:`Proof` or the 8 words posted on L1) as the
    contract of a rollup for ``spec`` and ``vk`` does (see the module doc); return the public
    inputs it verified. ``evm``: also ask the exported Solidity verifier on py-evm (``solc`` the
    compiler's command; see :mod:`prozchain.testing.evm`)."""
    __tracebackhide__ = True  # pytest shows the caller's line and the failed check, not these frames
    public = statement(spec, batch, root)
    if batch.public and list(batch.public) != public:
        wrong = [i for i, (made, posted) in enumerate(zip(batch.public, public)) if made != posted]
        raise BatchRejected(batch, "public inputs", "; ".join(
            f"the proof was made for {PUBLIC_NAMES[i]} {batch.public[i]}, the posted batch gives {public[i]}"
            for i in wrong))
    try:
        proof_ = proof if isinstance(proof, Proof) else proof_from_words(proof)
    except ProzError as exc:
        raise BatchRejected(batch, "proof", f"the proof words are no proof: {exc}") from None
    if not verify(vk, public, proof_):
        raise BatchRejected(batch, "proof", f"the Groth16 proof does not verify for (old root, new root, data hash) "
                                            f"= {public} under the rollup's verification key")
    if evm:
        from prozchain.testing.evm import solidity_verifier_of  # py-evm only when asked for

        if not solidity_verifier_of(vk, solc).verify(public, proof_):
            raise BatchRejected(batch, "proof on the EVM", "the exported Solidity verifier refuses the proof on py-evm")
    return public
