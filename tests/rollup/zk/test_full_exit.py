"""The full exit: the operator's answer to a forced withdrawal requested on L1. The L1 owner's
request authorises it (no L2 signature); the circuit holds it to the account's whole balance and
the contract to the request's account, once, paying the account's L1 owner. A served request is
not overdue; an unserved one still freezes the rollup."""

from __future__ import annotations

import pytest

from prozchain.circuits.gadgets.eddsa import public_key
from prozchain.circuits.testing import assert_rejects, check_circuit
from prozchain.circuits.txtypes import EMPTY, Account, AccountTree, BatchCircuit, Row, Tx, TxRejected, apply_tx
from prozchain.prover.groth16.simulate import toy_key_and_proof
from prozchain.rollup.common.units import ETHER
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.zk.system import DEADLINE, DEFAULT_TYPES, UNIT, deploy
from prozchain.testing import make_rig

TYPES = DEFAULT_TYPES + ("full_exit",)
OPERATOR, USER, OTHER = (Key.from_seed(n) for n in (b"fx-op", b"fx-user", b"fx-other"))
KEYS = [public_key(n.ljust(32, b".")) for n in (b"fx-1", b"fx-2")]
GAS = dict(gas_limit=3_000_000)
NOOP = Tx("noop", {})


def exit_tx(account: int, amount: int, request: int = 0) -> Tx:
    return Tx("full_exit", {"account": account, "amount": amount, "request": request})


# -- the circuit: the whole balance, nothing else -----------------------------------------------
@pytest.fixture(scope="module")
def exit_circuit():
    spec = BatchCircuit(("noop", "deposit", "full_exit"), slots=1, depth=3)
    return spec, spec.compile()


def funded() -> AccountTree:
    tree = AccountTree(3)
    tree.set(1, Account(*KEYS[0], 100, 4))
    return tree


def test_a_full_exit_of_the_whole_balance_satisfies_the_circuit(exit_circuit):
    spec, compiled = exit_circuit
    tree = funded()
    old = tree.root
    slot = apply_tx(tree, exit_tx(1, 100), check_signatures=False)
    assert tree.get(1) == Account(*KEYS[0], 0, 4)  # emptied, the nonce kept: nobody signed
    check_circuit(compiled, valid=[spec.inputs(old, tree.root, [slot])])


def test_a_full_exit_of_another_amount_is_refused_by_the_sequencer_and_the_circuit(exit_circuit):
    spec, compiled = exit_circuit
    with pytest.raises(TxRejected, match="a full exit moves the whole balance"):
        apply_tx(funded(), exit_tx(1, 60), check_signatures=False)
    # a cheating prover: pays out 60 as posted, leaves 40 in the account (or 0: it keeps 40)
    for left in (40, 0):
        tree = funded()
        old, path = tree.root, tree.proof(1)[0]
        tree.set(1, Account(*KEYS[0], left, 4))
        row = Row(exit_tx(1, 60), 0, [Account(*KEYS[0], 100, 4), EMPTY], [path, tree.proof(0)[0]])
        error = assert_rejects(compiled, spec.row_inputs(old, tree.root, [row]))
        assert "<C,w>=40" in str(error)  # the update's equality: balance - amount = 40, not 0


# -- the contract: the request's account, once ----------------------------------------------------
def rollup():
    chain = Chain({k.address: 100 * ETHER for k in (OPERATOR, USER, OTHER)})
    system = deploy(chain, OPERATOR, OPERATOR, BatchCircuit(TYPES, slots=2, depth=8), toy_key_and_proof()[0],
                    checks_proofs=False, operator_bond=ETHER)
    for who, key in zip((USER, OTHER), KEYS):
        chain.transact(who, system.rollup, "deposit", *key, value=5 * UNIT, **GAS)
    deposits = [Tx("deposit", {"to": i, "amount": 5, "ax": k[0], "ay": k[1]}) for i, k in enumerate(KEYS, start=1)]
    assert submit(chain, system, deposits, 1).status
    return chain, system


def submit(chain, system, txs: list[Tx], new_root: int):
    old_root = chain.view(system.rollup, "state").root
    data = b"".join(tx.encode() for tx in txs + [NOOP] * (2 - len(txs)))
    return chain.transact(OPERATOR, system.rollup, "submit_batch", 1, old_root, new_root, data, [0] * 8, **GAS)


def test_the_contract_takes_only_the_requested_accounts_full_exit_once():
    chain, system = rollup()
    assert submit(chain, system, [exit_tx(1, 5)], 2).error.endswith("batch serves forced request 0, nobody made it")
    assert chain.transact(USER, system.rollup, "request_withdrawal", 1, **GAS).status
    assert "forced request 0 is for another" in submit(chain, system, [exit_tx(2, 5)], 2).error  # OTHER's money
    entries = chain.view(system.rollup, "state").entries
    assert submit(chain, system, [exit_tx(1, 5)], 2).status
    assert chain.view(system.rollup, "forced_withdrawals") == (1, 1)
    assert chain.view(system.rollup, "forced_request", 0) == (1, True)
    assert "already served" in submit(chain, system, [exit_tx(1, 5)], 3).error  # no replay of the authority
    before = chain.state.balance(USER.address)
    receipt = chain.transact(OTHER, system.rollup, "claim", entries, **GAS)  # anyone may claim: the owner is paid
    assert receipt.status and chain.state.balance(USER.address) == before + 5 * UNIT
    chain.advance_time(DEADLINE + 1)
    assert not chain.view(system.rollup, "overdue")


def test_an_unserved_request_still_freezes_a_rollup_that_takes_full_exits():
    chain, system = rollup()
    assert chain.transact(USER, system.rollup, "request_withdrawal", 1, **GAS).status
    chain.advance_time(DEADLINE + 1)
    assert chain.view(system.rollup, "overdue")
    assert chain.transact(OTHER, system.rollup, "freeze", **GAS).status


# -- end to end: the operator serves the request in its next batch, proven ------------------------
def test_the_operator_serves_a_forced_request_with_a_proven_full_exit():
    rig = make_rig(types=TYPES, slots=2, depth=8, n_users=2)
    rig.deposit(0, 500), rig.deposit(1, 80)
    assert rig.pipeline.run_batch()[1].status
    transfer = rig.transfer(1, 0, 30)  # into the exiting account, after its exit
    assert rig.pipeline.receive(transfer).state == "pending"
    assert rig.call(rig.users[0], "request_withdrawal", 1).status
    assert rig.pipeline.receive(Tx("full_exit", {"account": 2, "amount": 80, "request": 0})).reason \
        == "full_exit transactions come from L1 requests only"  # nobody forges one through L2
    batch, receipt, proof = rig.pipeline.run_batch()
    assert receipt.status and rig.verify_batch(batch, proof) == batch.public
    assert [tx.type for tx in batch.txs] == ["full_exit", "transfer"]
    assert batch.txs[0].fields == {"account": 1, "amount": 500, "request": 0}
    assert rig.chain.view(rig.system.rollup, "forced_withdrawals") == (1, 1)
    assert [rig.node().tree.get(i).balance for i in (1, 2)] == [30, 49]
    rig.chain.advance_time(DEADLINE + 1)
    assert not rig.chain.view(rig.system.rollup, "overdue")
