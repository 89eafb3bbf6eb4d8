"""Forced withdrawals on the ZK rollup's contract and the operator's bond: a request the operator
serves in time is done; one it lets pass the deadline freezes the rollup and slashes the bond.
Batches here skip proof checking (``checks_proofs=False``): what is tested is the contract's
bookkeeping of the forced queue, not the circuit."""

from __future__ import annotations

from prozchain.circuits.gadgets.eddsa import public_key
from prozchain.circuits.txtypes import BatchCircuit, Tx
from prozchain.prover.groth16.simulate import toy_key_and_proof
from prozchain.rollup.common.units import ETHER
from prozchain.rollup.economics.bonds import BURN, conserved, history
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.zk.system import DEADLINE, UNIT, deploy

OPERATOR, USER, WATCHER = (Key.from_seed(n) for n in (b"zk-op", b"zk-user", b"zk-watcher"))
PUB = public_key(b"forced".ljust(32, b"."))
GAS = dict(gas_limit=3_000_000)


def rollup():
    chain = Chain({k.address: 100 * ETHER for k in (OPERATOR, USER, WATCHER)})
    system = deploy(chain, OPERATOR, OPERATOR, BatchCircuit(slots=2, depth=8), toy_key_and_proof()[0],
                    checks_proofs=False, operator_bond=ETHER)
    return chain, system


def submit(chain, system, tx: Tx, new_root: int) -> None:
    old_root = chain.view(system.rollup, "state").root
    data = tx.encode() + Tx("noop", {}).encode()
    receipt = chain.transact(OPERATOR, system.rollup, "submit_batch", 1, old_root, new_root, data, [0] * 8, **GAS)
    assert receipt.status, receipt.error


def test_a_served_forced_withdrawal_is_done_and_an_unserved_one_freezes_the_rollup():
    chain, system = rollup()
    chain.transact(USER, system.rollup, "deposit", *PUB, value=5 * UNIT, **GAS)
    submit(chain, system, Tx("deposit", {"to": 1, "amount": 5, "ax": PUB[0], "ay": PUB[1]}), 1)
    assert not chain.transact(WATCHER, system.rollup, "request_withdrawal", 1, **GAS).status  # not its owner
    assert chain.transact(USER, system.rollup, "request_withdrawal", 1, **GAS).status
    assert chain.view(system.rollup, "forced_withdrawals") == (1, 0)
    withdraw = {"from": 1, "amount": 2, "fee": 0, "to": int(USER.address, 16)}
    submit(chain, system, Tx("withdraw", withdraw), 2)
    assert chain.view(system.rollup, "forced_withdrawals") == (1, 1)  # served
    chain.advance_time(DEADLINE + 1)
    assert not chain.view(system.rollup, "overdue")

    chain.transact(USER, system.rollup, "request_withdrawal", 1, **GAS)
    chain.advance_time(DEADLINE)
    assert not chain.view(system.rollup, "overdue")
    assert not chain.transact(WATCHER, system.rollup, "freeze", **GAS).status
    chain.advance_time(2)
    assert chain.view(system.rollup, "overdue")
    before = chain.state.balance(WATCHER.address)
    receipt = chain.transact(WATCHER, system.rollup, "freeze", **GAS)
    assert receipt.status and chain.view(system.rollup, "state").frozen
    assert chain.state.balance(WATCHER.address) == before + ETHER // 2 - receipt.fee  # the watcher's reward
    assert not chain.transact(USER, system.rollup, "request_withdrawal", 1, **GAS).status  # frozen
    slashes = [(e.party, e.amount) for e in history(chain, system.ledger) if e.action == "slash"]
    assert slashes == [(WATCHER.address.lower(), ETHER // 2), (BURN, ETHER // 2)]
    assert conserved(chain, system.ledger) and chain.conserved()


def test_requests_served_out_of_order_count_once_the_queue_reaches_them():
    chain, system = rollup()
    other = public_key(b"second".ljust(32, b"."))
    chain.transact(USER, system.rollup, "deposit", *PUB, value=5 * UNIT, **GAS)
    chain.transact(USER, system.rollup, "deposit", *other, value=5 * UNIT, **GAS)
    for root, (index, key) in enumerate(((1, PUB), (2, other)), start=1):
        submit(chain, system, Tx("deposit", {"to": index, "amount": 5, "ax": key[0], "ay": key[1]}), root)
    for index in (1, 2):
        assert chain.transact(USER, system.rollup, "request_withdrawal", index, **GAS).status
    to = int(USER.address, 16)
    submit(chain, system, Tx("withdraw", {"from": 2, "amount": 1, "fee": 0, "to": to}), 3)
    assert chain.view(system.rollup, "forced_withdrawals") == (2, 0)  # the head (account 1) waits
    submit(chain, system, Tx("withdraw", {"from": 1, "amount": 1, "fee": 0, "to": to}), 4)
    assert chain.view(system.rollup, "forced_withdrawals") == (2, 2)


def test_the_operator_posts_its_bond_once():
    chain, system = rollup()
    (lock,) = history(chain, system.ledger)
    assert (lock.action, lock.kind, lock.amount) == ("lock", "operator", ETHER)
    assert not chain.transact(OPERATOR, system.rollup, "post_bond", value=ETHER, **GAS).status
    assert not chain.transact(USER, system.rollup, "post_bond", value=ETHER, **GAS).status
