"""The bridge invariant under random operations, real proofs included: after every step
L1 escrow = verified L2 balances + unclaimed ledger entries + deposits still queued."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from prozchain.rollup.zk.node import ZkNode
from prozchain.testing.rig import make_rig

USERS = st.integers(0, 2)
PROVEN: list[int] = []  # transactions per proven batch, across the examples


def make_machine():
    class Bridge(RuleBasedStateMachine):
        @initialize(amounts=st.lists(st.integers(1, 5_000), min_size=3, max_size=3))
        def start(self, amounts):
            self.rig = make_rig()
            self.node = ZkNode(self.rig.chain, self.rig.system.rollup, self.rig.system.depth)
            self.nonces = [0, 0, 0]
            self.opened: set[int] = set()
            for user, amount in enumerate(amounts):  # every account opens in queue order: user u is index u + 1
                self.deposit(user, amount)

        @rule(user=USERS, amount=st.integers(1, 5_000))
        def deposit(self, user, amount):
            assert self.rig.deposit(user, amount).status
            self.opened.add(user)

        @rule(user=USERS, to=USERS, amount=st.integers(0, 3_000), fee=st.integers(0, 9))
        def transfer(self, user, to, amount, fee):
            self._send(self.rig.transfer(user, to, amount, fee, self.nonces[user]), user)

        @rule(user=USERS, amount=st.integers(0, 3_000), fee=st.integers(0, 9))
        def withdraw(self, user, amount, fee):
            self._send(self.rig.withdraw(user, amount, fee, self.nonces[user]), user)

        def _send(self, tx, user):
            reason = self.rig.pipeline.accept(tx)
            if reason is None:
                self.nonces[user] += 1
            else:
                assert ":" in reason   # every rejection names the type and the failed check

        @rule()
        def batch(self):
            result = self.rig.pipeline.run_batch()
            if result is not None:
                assert result[1].status, result[1].error
                PROVEN.append(result[0].n_txs)
            self.nonces = [self.rig.pipeline.head.get(u + 1).nonce if u in self.opened else 0 for u in range(3)]

        @rule(entry=st.integers(0, 5))
        def claim(self, entry):
            if entry < self.rig.state().entries and not self.rig.chain.view(self.rig.system.rollup, "claimed", entry):
                assert self.rig.call(self.rig.users[0], "claim", entry).status

        @invariant()
        def escrow_is_owed(self):
            rig = self.rig
            self.node.sync()
            root, _, served, queued, entries, _ = rig.state()
            assert self.node.tree.root == root
            ledger = sum(amount for _, log in rig.chain.logs(rig.system.rollup, "Credited")
                         for entry, _, amount in [log.args] if not rig.chain.view(rig.system.rollup, "claimed", entry))
            waiting = sum(log.args[2] for _, log in rig.chain.logs(rig.system.rollup, "Deposited") if log.args[0] >= served)
            l2 = sum(a.balance for a in self.node.tree.accounts.values())
            assert rig.escrow_units() == l2 + ledger + waiting

    return Bridge


def test_escrow_invariant_state_machine():
    machine = make_machine()
    machine.TestCase.settings = settings(max_examples=2, stateful_step_count=10, deadline=None, database=None,
                                         suppress_health_check=list(HealthCheck))
    machine.TestCase().runTest()
    assert PROVEN and sum(PROVEN) > 0, "no example proved a batch: the invariant was never tested across one"
