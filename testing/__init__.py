"""Verifying proofs and batches in your own tests, as gnark's test engine and Foundry do for theirs.

- :func:`groth16_key` a development Groth16 key per circuit, cached by circuit hash;
  :func:`assert_proves` solves, proves and verifies (many cases in one batch verification);
  :func:`assert_rejects` asserts bad inputs are refused and returns the failing constraint
  (index, gadget label and source line, values).
- :func:`verify_batch` checks a ZK rollup batch and its proof exactly as the L1 contract does,
  raising :class:`BatchRejected` that names the failed check; ``evm=True`` also runs the exported
  Solidity verifier on py-evm (:mod:`prozchain.testing.evm`, needs ``prozchain[evm]`` and solc).
- :func:`make_rig` / :class:`Rig`: a rollup on the reference L1 for your own transaction types.

Installed with the package, a pytest plugin (:mod:`prozchain.testing.plugin`, entry point
``pytest11``; ``pip install 'prozchain[pytest]'``) offers them as fixtures, with keys cached under
pytest's cache folder. Importing this package does not need pytest.

>>> from prozchain.circuits import Circuit, assert_equal
>>> class Root(Circuit):
...     def define(self):
...         x, y = self.private_input("x"), self.public_input("y")
...         assert_equal(x * x, y)
>>> assert_proves(Root(), {"x": 3, "y": 9})[1]
[9]
>>> assert_rejects(Root(), {"x": 3, "y": 10}).index
1
"""

from prozchain.circuits.testing import assert_rejects, check_circuit
from prozchain.testing.batches import BatchRejected, verify_batch
from prozchain.testing.proofs import assert_proves, groth16_key
from prozchain.testing.rig import Rig, make_rig

__all__ = ["assert_proves", "assert_rejects", "check_circuit", "groth16_key", "verify_batch", "BatchRejected",
           "Rig", "make_rig"]
