"""A ZK rollup on the reference L1, driven by hand from a test: :func:`make_rig` deploys the
rollup for a set of transaction types (yours among them) with funded users, and :class:`Rig`
deposits, signs, batches (``rig.pipeline.run_batch()`` returns the batch, L1's receipt and the
proof), verifies batches as L1 does (:meth:`Rig.verify_batch`) and rebuilds a node from L1 data.

Users are numbered from 0: user ``i`` holds L1 key ``users[i]`` and L2 seed ``l2[i]`` (a raw
32-byte EdDSA seed); the deposits open L2 accounts 1, 2, ... in the order they are served.

>>> rig = make_rig(slots=2, depth=8, n_users=2)    # the default types; keys cached on disk
>>> rig.deposit(0, 500).status, rig.deposit(1, 80).status
(True, True)
>>> batch, receipt, proof = rig.pipeline.run_batch()
>>> receipt.status, rig.verify_batch(batch, proof) == batch.public
(True, True)
>>> rig.node().tree.get(1).balance
500
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from prozchain.circuits.gadgets.eddsa import public_key
from prozchain.circuits.txtypes import Tx, sign_tx
from prozchain.prover.groth16.keys import Proof
from prozchain.rollup.common.units import ETHER
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.l1.chain import Receipt
from prozchain.rollup.zk.agents import Batch, Pipeline
from prozchain.rollup.zk.contracts.rollup import RollupState
from prozchain.rollup.zk.node import ZkNode
from prozchain.rollup.zk.system import DEADLINE, DEFAULT_TYPES, UNIT, System, circuit_and_key, deploy
from prozchain.testing.batches import verify_batch


@dataclass
class Rig:
    """A deployed rollup, its operator's pipeline, and funded users (see the module doc)."""

    chain: Chain
    system: System
    pipeline: Pipeline
    users: list[Key]
    l2: list[bytes]
    evm: bool = False  # verify_batch's default: also check proofs on py-evm
    solc: Optional[Sequence[str]] = None

    def deposit(self, user: int, amount: int) -> Receipt:
        """User ``user`` deposits ``amount`` L2 units (gwei) on L1 for its L2 key."""
        pub = public_key(self.l2[user])
        return self.chain.transact(self.users[user], self.system.rollup, "deposit", *pub, value=amount * UNIT,
                                   gas_limit=300_000)

    def call(self, who: Key, method: str, *args: Any) -> Receipt:
        return self.chain.transact(who, self.system.rollup, method, *args, gas_limit=3_000_000)

    def state(self) -> RollupState:
        return self.chain.view(self.system.rollup, "state")

    def sign(self, tx_type: str, fields: Mapping[str, int], signers: Sequence[int],
             nonces: Optional[Sequence[int]] = None) -> Tx:
        """A transaction of any registered type signed by users ``signers`` (their L2 seeds) at
        ``nonces`` (default: each signer's account nonce in the operator's head state, the
        account being the one the field naming it holds, in signing order)."""
        tx = Tx(tx_type, dict(fields))
        if nonces is None:
            accounts = tx.tx_type.accounts[:len(signers)]
            nonces = [self.pipeline.head.get(fields[name]).nonce for name in accounts]
        return sign_tx(tx, [self.l2[u] for u in signers], list(nonces))

    def transfer(self, user: int, to: int, amount: int, fee: int = 1, nonce: int = 0, key: bytes | None = None) -> Tx:
        return sign_tx(Tx("transfer", {"from": user + 1, "to": to + 1, "amount": amount, "fee": fee}),
                       [key or self.l2[user]], [nonce])

    def withdraw(self, user: int, amount: int, fee: int = 1, nonce: int = 0) -> Tx:
        fields = {"from": user + 1, "amount": amount, "fee": fee, "to": int(self.users[user].address, 16)}
        return sign_tx(Tx("withdraw", fields), [self.l2[user]], [nonce])

    def escrow_units(self) -> int:
        return self.chain.state.balance(self.system.rollup) // UNIT

    def verify_batch(self, batch: Batch, proof: Proof | Sequence[int], evm: Optional[bool] = None) -> list[int]:
        """:func:`~prozchain.testing.batches.verify_batch` under the key and circuit of the
        batch's version (``evm``: by default the rig's)."""
        __tracebackhide__ = True
        circuit = self.pipeline.circuits[batch.version]
        return verify_batch(circuit.zkey.verification_key(), circuit.spec, batch, proof,
                            evm=self.evm if evm is None else evm, solc=self.solc)

    def node(self) -> ZkNode:
        """A fresh node that rebuilt the state from L1 data alone."""
        node = ZkNode(self.chain, self.system.rollup, self.system.depth)
        node.sync()
        return node


def make_rig(types: Sequence[str] = DEFAULT_TYPES, slots: int = 2, depth: int = 8, n_users: int = 3,
             deadline: int = DEADLINE, key_dir: Optional[Path] = None, evm: bool = False,
             solc: Optional[Sequence[str]] = None) -> Rig:
    """A rollup for batches of ``slots`` transactions of ``types`` (``deposit`` among them, to open
    accounts) on a tree of ``depth``, on a fresh L1 where ``n_users`` users and the operator hold
    100 ETH each. The circuit is compiled once per process and its key cached in ``key_dir``;
    ``evm`` and ``solc`` are :meth:`Rig.verify_batch`'s defaults."""
    spec, compiled, zkey = circuit_and_key(types, slots, depth, key_dir)
    users = [Key.from_seed(f"rig-user-{i}".encode()) for i in range(n_users)]
    operator = Key.from_seed(b"rig-operator")
    chain = Chain({k.address: 100 * ETHER for k in users + [operator]})
    system = deploy(chain, operator, operator, spec, zkey.verification_key(), deadline=deadline)
    return Rig(chain, system, Pipeline(system, compiled, zkey), users,
               [f"rig-l2-{i}".encode().ljust(32, b".") for i in range(n_users)], evm, solc)
