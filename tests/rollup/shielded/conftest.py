"""A shielded pool with its real join-split key beside a ZK rollup, and wallets for it."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from prozchain.circuits.txtypes import BatchCircuit
from prozchain.prover.groth16.simulate import toy_key_and_proof
from prozchain.rollup.common.units import ETHER
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.l1.chain import Receipt
from prozchain.rollup.shielded.agents import GAS_LIMIT, PoolTx, Wallet
from prozchain.rollup.shielded.notes import NoteKey
from prozchain.rollup.shielded.system import Pool, circuit_and_key, deploy
from prozchain.rollup.zk.system import deploy as deploy_rollup


@dataclass
class World:
    chain: Chain
    pool: Pool
    l1: Key

    def wallet(self, name: str, seed: int = 0) -> Wallet:
        compiled, zkey = circuit_and_key(self.pool.depth)
        return Wallet(NoteKey.from_seed(name.encode()), self.pool, compiled, zkey, random.Random(f"{name}/{seed}"))

    def send(self, tx: PoolTx, **changes) -> Receipt:
        """Post ``tx`` (with ``changes`` to its fields: a tampering) from the world's L1 key."""
        args = dict(proof=tx.proof, root=tx.root, public_amount=tx.public_amount, nullifiers=tx.nullifiers,
                    commitments=tx.commitments, recipient=tx.recipient, encrypted=tx.encrypted, value=tx.value)
        args.update(changes)
        value = args.pop("value")
        ax, ay = args.pop("recipient")
        return self.chain.transact(self.l1, self.pool.pool, "transact", args["proof"], args["root"],
                                   args["public_amount"], args["nullifiers"], args["commitments"], ax, ay,
                                   args["encrypted"], value=value, gas_limit=GAS_LIMIT)


def make_world(l1: Key | None = None, chain: Chain | None = None, rollup_address: str | None = None,
               records_nullifiers: bool = True) -> World:
    """A pool deployed by ``l1`` paying into ``rollup_address`` on ``chain`` (by default a fresh
    chain and a rollup whose verifier holds a toy key: enough to receive the pool's withdrawals
    as deposits)."""
    l1 = l1 or Key.from_seed(b"shielded-tests")
    if chain is None:
        chain = Chain({l1.address: 100 * ETHER})
        rollup_address = deploy_rollup(chain, l1, l1, BatchCircuit(slots=2, depth=8), toy_key_and_proof()[0]).rollup
    _, zkey = circuit_and_key()
    return World(chain, deploy(chain, l1, zkey.verification_key(), rollup_address,
                               records_nullifiers=records_nullifiers), l1)


@pytest.fixture
def world() -> World:
    return make_world()
