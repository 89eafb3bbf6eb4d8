"""Transaction types beyond one slot: a payment split between two payees (three accounts), a
three-party ring swap (three signers) and a payment with a memo (five data elements) each fill
two consecutive slots of the batch circuit. Honest batches prove, verify on the reference L1
and rebuild on a node; forged witnesses (a continuation slot on the wrong account, alone, or a
transaction split at the batch's end) are refused by the circuit, and such data by the contract."""

from __future__ import annotations

import pytest

from prozchain.circuits.gadgets.eddsa import public_key
from prozchain.circuits.testing import assert_rejects, check_circuit
from prozchain.circuits.txtypes import (BALANCE_BITS, FULL, SLOT_ACCOUNTS, Account, AccountTree, BatchCircuit, PyChecks,
                                        RegistryError, Row, Tx, TxRejected, TxType, apply_tx, encode_batch, register,
                                        sign_tx)
from prozchain.circuits.txtypes.registry import ROLES
from prozchain.rollup.zk.contracts.rollup import posted_transactions
from prozchain.testing import make_rig

SEEDS = [f"multislot-{i}".encode().ljust(32, b".") for i in range(4)]


def debit(checks, fields, account, total):
    left = account.balance - total
    checks.range(left, BALANCE_BITS, "the payer's balance does not cover the payments")
    return account.replace(balance=left)


def credit(name):
    def update(checks, fields, account):
        checks.nonzero(account.ax, "the payee account does not exist (no key)")
        checks.range(account.balance + fields[name], BALANCE_BITS, "the payee's balance would overflow")
        return account.replace(balance=account.balance + fields[name])
    return update


def ring(out, incoming):
    return lambda checks, f, account: debit(checks, f, account, f[out] - f[incoming])


SPLIT = register(TxType(
    "split-pay", 110, (("from", 4), ("to1", 4), ("to2", 4), ("x", 8), ("y", 8), ("fee", 4)), a="from", b="to1",
    signers=1, update_a=lambda c, f, acc: debit(c, f, acc, f["x"] + f["y"] + f["fee"]), update_b=credit("x"),
    more=(("to2", credit("y")),), fee="fee"))
RING = register(TxType(
    "ring-swap", 111, (("a", 4), ("b", 4), ("c", 4), ("x", 8), ("y", 8), ("z", 8)), a="a", b="b", signers=3,
    update_a=ring("x", "z"), update_b=ring("y", "x"), more=(("c", ring("z", "y")),)))
MEMO = register(TxType(
    "memo-pay", 112, (("from", 4), ("to", 4), ("amount", 8), ("fee", 4)) + tuple((f"m{i}", FULL) for i in range(4)),
    a="from", b="to", signers=1, update_a=lambda c, f, acc: debit(c, f, acc, f["amount"] + f["fee"]),
    update_b=credit("amount"), fee="fee"))


def test_a_type_with_more_accounts_or_elements_takes_more_slots():
    assert (SPLIT.roles, len(SPLIT.layout()), SPLIT.n_slots) == ("abc", 2, 2)
    assert (RING.roles, RING.n_slots, MEMO.roles, len(MEMO.layout()), MEMO.n_slots) == ("abc", 2, "ab", 5, 2)
    spec = BatchCircuit(("noop", "deposit", "split-pay", "memo-pay"), slots=2, depth=2)
    assert spec.n_elements == 4 and len(spec.pad([Tx("split-pay", {})])) == 1
    with pytest.raises(RegistryError, match="takes 2 slots, the batch has 1 .rule: a batch circuit has at least"):
        BatchCircuit(("noop", "deposit", "split-pay"), slots=1, depth=2)


def test_a_memo_signature_covers_every_element():
    fields = {"from": 1, "to": 2, "amount": 5, "fee": 1, "m0": 7, "m1": 8, "m2": 9, "m3": 10}
    tx = sign_tx(Tx("memo-pay", fields), [SEEDS[0]], [0])
    tree = funded_tree(3)
    forged = Tx("memo-pay", {**fields, "m3": 11}, tx.sigs, tx.nonces)   # the fifth element changed
    with pytest.raises(TxRejected, match="bad signature by account 1"):
        apply_tx(tree, forged)
    apply_tx(tree, tx)
    assert [tree.get(i).balance for i in (1, 2)] == [94, 105]


# -- forged witnesses -------------------------------------------------------------------------------
def funded_tree(depth: int) -> AccountTree:
    tree = AccountTree(depth)
    for i, seed in enumerate(SEEDS, start=1):
        if i < 1 << depth:
            tree.set(i, Account(*public_key(seed), 100, 0))
    return tree


def walk(tree: AccountTree, parts: list[tuple[Tx, int]]) -> list[Row]:
    """The rows of ``parts`` applied to ``tree`` in the order given, whatever the order's sense:
    each part updates its two accounts as the circuit does (what a cheating prover can build)."""
    rows = []
    for tx, part in parts:
        t, olds, paths = tx.tx_type, [], []
        for role in ROLES[SLOT_ACCOUNTS * part:SLOT_ACCOUNTS * (part + 1)]:
            field = t.accounts[ROLES.index(role)] if role in t.roles else None
            index = tx.fields[field] if field else 0
            old = tree.get(index)
            olds.append(old)
            paths.append(tree.proof(index)[0])
            tree.set(index, t.update(role, PyChecks(t), tx.fields, old) if role in t.roles else old)
        rows.append(Row(tx, part, olds, paths))
    return rows


NOOP = Tx("noop", {})


@pytest.fixture(scope="module")
def split_circuit():
    spec = BatchCircuit(("noop", "deposit", "split-pay"), slots=3, depth=3)
    return spec, spec.compile()


def split_tx(to2: int = 3) -> Tx:
    return sign_tx(Tx("split-pay", {"from": 1, "to1": 2, "to2": to2, "x": 10, "y": 20, "fee": 1}), [SEEDS[0]], [0])


def test_an_honest_split_satisfies_the_circuit(split_circuit):
    spec, compiled = split_circuit
    tree = funded_tree(3)
    old = tree.root
    slots = [apply_tx(tree, split_tx()), apply_tx(tree, NOOP)]
    inputs = spec.inputs(old, tree.root, slots)
    assert inputs == spec.row_inputs(old, tree.root, walk(funded_tree(3), [(split_tx(), 0), (split_tx(), 1), (NOOP, 0)]))
    check_circuit(compiled, valid=[inputs])
    assert [tree.get(i).balance for i in (1, 2, 3)] == [69, 110, 120]


def test_a_continuation_slot_on_another_account_is_refused(split_circuit):
    """The data pays account 3; the prover credits account 4 in the continuation slot."""
    spec, compiled = split_circuit
    posted, paid = split_tx(to2=3), split_tx(to2=4)
    tree = funded_tree(3)
    old = tree.root
    forged = spec.row_inputs(old, 0, walk(tree, [(paid, 0), (paid, 1), (NOOP, 0)]))
    honest = spec.row_inputs(old, 0, walk(funded_tree(3), [(posted, 0), (posted, 1), (NOOP, 0)]))
    forged.update(new_root=tree.root, data_hash=honest["data_hash"], fields=honest["fields"], msg0=honest["msg0"],
                  r8_0=honest["r8_0"], s0=honest["s0"])
    assert_rejects(compiled, forged, constraint="merkle")


def test_a_continuation_slot_alone_is_refused(split_circuit):
    """Payee 3 is credited by part 1 of a split whose part 0 (the payer's debit) never ran: the
    prover fills the noop before it with the split's fields, which a noop ignores."""
    spec, compiled = split_circuit
    tree = funded_tree(3)
    old = tree.root
    inputs = spec.row_inputs(old, 0, walk(tree, [(NOOP, 0), (split_tx(), 1), (NOOP, 0)]))
    inputs["new_root"] = tree.root
    inputs["fields"][0] = [split_tx().fields[name] for name in SPLIT.field_names()]  # the noop's, unused by it
    assert tree.get(3).balance == 120 and tree.get(1).balance == 100
    assert_rejects(compiled, inputs, constraint="multi-slot sequence")


def test_a_transaction_split_at_the_batch_end_is_refused(split_circuit):
    """Part 0 (the payer pays x + y, payee 2 gets x) in the last slot, part 1 (payee 3 gets y)
    nowhere: the circuit has no such slot, the contract no such data."""
    spec, compiled = split_circuit
    tree = funded_tree(3)
    old = tree.root
    inputs = spec.row_inputs(old, 0, walk(tree, [(NOOP, 0), (NOOP, 0), (split_tx(), 0)]))
    inputs["new_root"] = tree.root
    assert_rejects(compiled, inputs, constraint="slot selection")
    with pytest.raises(TxRejected, match="filling 4 slots, a batch has 3"):
        posted_transactions(encode_batch([NOOP, NOOP, split_tx()]), 3, spec.n_elements)


def test_every_signer_of_a_ring_swap_signs_also_in_the_continuation_slot():
    spec = BatchCircuit(("noop", "deposit", "ring-swap"), slots=2, depth=3)
    compiled = spec.compile()
    fields = {"a": 1, "b": 2, "c": 3, "x": 30, "y": 20, "z": 10}
    honest = sign_tx(Tx("ring-swap", fields), SEEDS[:3], [0, 0, 0])
    forged = sign_tx(Tx("ring-swap", fields), SEEDS[:2] + [SEEDS[0]], [0, 0, 0])  # c never agreed
    with pytest.raises(TxRejected, match="bad signature by account 3 .signer 2."):
        apply_tx(funded_tree(3), forged)
    cases = []
    for tx in (honest, forged):
        tree = funded_tree(3)
        old = tree.root
        cases.append(spec.inputs(old, tree.root, [apply_tx(tree, tx, check_signatures=False)]) | {"new_root": tree.root})
    assert cases[0]["new_root"] == cases[1]["new_root"]  # the same effect: only c's consent differs
    check_circuit(compiled, valid=[cases[0]])
    assert_rejects(compiled, cases[1], constraint="eddsa")


# -- end to end ---------------------------------------------------------------------------------
def test_split_and_memo_payments_are_proven_verified_on_l1_and_rebuilt():
    rig = make_rig(("noop", "deposit", "split-pay", "memo-pay"), slots=2, depth=2, n_users=3)
    for user in range(3):
        assert rig.deposit(user, 100).status
    while rig.state().served < 3:
        assert rig.pipeline.run_batch()[1].status
    split = rig.sign("split-pay", {"from": 1, "to1": 2, "to2": 3, "x": 10, "y": 20, "fee": 2}, signers=[0])
    memo = rig.sign("memo-pay", {"from": 2, "to": 3, "amount": 5, "fee": 1, "m0": 1, "m1": 2, "m2": 3, "m3": 2**200},
                    signers=[1])
    assert rig.pipeline.accept(split) is None and rig.pipeline.accept(memo) is None
    for kind in ("split-pay", "memo-pay"):  # each fills the two slots: the higher fee first, the other next
        batch, receipt, proof = rig.pipeline.run_batch()
        assert receipt.status and [tx.type for tx in batch.txs] == [kind]
        assert rig.verify_batch(batch, proof) == batch.public
    assert "already used" in rig.pipeline.accept(split)
    node = rig.node()
    assert node.tree.root == rig.state().root
    assert [node.tree.get(i).balance for i in (1, 2, 3)] == [68, 104, 125]
    assert rig.state().entries == 2  # the fees, credited to the aggregator on L1
