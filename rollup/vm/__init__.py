"""The L2 virtual machine: deterministic, gas-metered, account-based, Merkleized.

The machine state is a sparse Merkle tree (balances, nonces, code, storage, withdrawals) plus
a small context (inbox, running transaction, call frame); every step has a state root, and
:func:`step` computes the next root from a :class:`Witness` holding only the proofs of what
the step touches, which is what L1 runs to settle a dispute. How the trees and roots hash is
chosen per deployment (:mod:`prozchain.rollup.vm.merkle`: keccak by default, Poseidon for
circuits), and :mod:`prozchain.rollup.vm.circuit` proves a segment of steps in the Poseidon mode.

>>> from prozchain.rollup.l1.crypto import Key
>>> from prozchain.rollup.vm import Executor, L2Tx, step
>>> alice = Key.from_seed(b"alice")
>>> ex = Executor()
>>> ctx = ex.start(ex.genesis({alice.address: 9}), 0, [], [L2Tx(0, alice.address, 1).sign(alice).encode()])
>>> trace = ex.run(ctx)
>>> all(step(ex.witness(trace.contexts[i])) == trace.root(i + 1) for i in range(len(trace)))
True
"""

from prozchain.rollup.vm.errors import AssemblyError, DecodeError, InvalidWitness, VMError
from prozchain.rollup.vm.executor import Executor, Trace, inbox_roots
from prozchain.rollup.vm.isa import assemble
from prozchain.rollup.vm.machine import INTRINSIC_GAS, Witness, execute, step
from prozchain.rollup.vm.state import BRIDGE, FEE_VAULT, Context, batch_start, state_root
from prozchain.rollup.vm.tx import Deposit, L2Tx

__all__ = ["AssemblyError", "BRIDGE", "Context", "DecodeError", "Deposit", "Executor",
           "FEE_VAULT", "INTRINSIC_GAS", "InvalidWitness", "L2Tx", "Trace", "VMError", "Witness",
           "assemble", "batch_start", "execute", "inbox_roots", "state_root", "step"]
