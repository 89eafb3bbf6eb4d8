"""A ZK rollup on a bare L1 driven by hand: one circuit and key per session (cached on disk)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from prozchain.circuits.gadgets.eddsa import public_key
from prozchain.circuits.txtypes import Tx, sign_tx
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.zk.keys import circuit_and_key
from prozchain.rollup.zk.operator import Pipeline
from prozchain.rollup.common.units import ETHER
from prozchain.rollup.zk.system import UNIT, System, deploy


@dataclass
class Rig:
    chain: Chain
    system: System
    pipeline: Pipeline
    users: list[Key]
    l2: list[bytes]

    def deposit(self, user: int, amount: int):
        pub = public_key(self.l2[user])
        return self.chain.transact(self.users[user], self.system.rollup, "deposit", *pub, value=amount * UNIT,
                                   gas_limit=300_000)

    def call(self, who: Key, method: str, *args):
        return self.chain.transact(who, self.system.rollup, method, *args, gas_limit=3_000_000)

    def state(self) -> tuple:
        return self.chain.view(self.system.rollup, "state")

    def transfer(self, user: int, to: int, amount: int, fee: int = 1, nonce: int = 0, key: bytes | None = None) -> Tx:
        return sign_tx(Tx("transfer", {"from": user + 1, "to": to + 1, "amount": amount, "fee": fee}),
                       [key or self.l2[user]], [nonce])

    def withdraw(self, user: int, amount: int, fee: int = 1, nonce: int = 0) -> Tx:
        fields = {"from": user + 1, "amount": amount, "fee": fee, "to": int(self.users[user].address, 16)}
        return sign_tx(Tx("withdraw", fields), [self.l2[user]], [nonce])

    def escrow_units(self) -> int:
        return self.chain.state.balance(self.system.rollup) // UNIT


@pytest.fixture(scope="session")
def batch_key():
    return circuit_and_key(slots=2, depth=8)


def make_rig(batch_key, n_users: int = 3, deadline: int = 3_600) -> Rig:
    spec, compiled, zkey = batch_key
    users = [Key.from_seed(f"rig-user-{i}".encode()) for i in range(n_users)]
    operator = Key.from_seed(b"rig-operator")
    chain = Chain({k.address: 100 * ETHER for k in users + [operator]})
    system = deploy(chain, operator, operator, spec, zkey.verification_key(), deadline=deadline)
    return Rig(chain, system, Pipeline(system, compiled, zkey), users,
               [f"rig-l2-{i}".encode().ljust(32, b".") for i in range(n_users)])


@pytest.fixture
def rig(batch_key) -> Rig:
    return make_rig(batch_key)
