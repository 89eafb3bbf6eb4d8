"""The account tree and the transaction types out of circuit: proofs, rules, rejections, encoding."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prozchain.circuits.gadgets.eddsa import public_key
from prozchain.circuits.gadgets.merkle import merkle_root_of
from prozchain.circuits.txtypes import (Account, AccountTree, NonceAhead, RegistryError, Tx, TxRejected, TxType, apply_tx, decode_batch,
                              encode_batch, get, leaf_hash, register, sign_tx, undo)
from prozchain.native.curve import R

ALICE, BOB = b"a" * 32, b"b" * 32


def tampered(tx: Tx, **changes: int) -> Tx:
    return Tx(tx.type, {**tx.fields, **changes}, tx.sigs, tx.nonces)


def funded_tree() -> AccountTree:
    tree = AccountTree(depth=8)
    for index, key, balance in ((1, ALICE, 100), (2, BOB, 50)):
        tree.set(index, Account(*public_key(key), balance, 0))
    return tree


def test_proofs_open_the_root_and_defaults_are_empty_accounts():
    tree = funded_tree()
    for index in (0, 1, 2, 255):
        siblings, bits = tree.proof(index)
        assert merkle_root_of(leaf_hash(tree.get(index)), siblings, bits) == tree.root
    assert AccountTree(8).root == AccountTree(8).defaults[8]
    with pytest.raises(IndexError, match="outside a tree of depth 8"):
        tree.get(256)


def test_a_transfer_moves_value_bumps_the_nonce_and_undo_restores():
    tree = funded_tree()
    root = tree.root
    slot = apply_tx(tree, sign_tx(Tx("transfer", {"from": 1, "to": 2, "amount": 30, "fee": 2}), [ALICE], [0]))
    assert (tree.get(1).balance, tree.get(1).nonce, tree.get(2).balance) == (68, 1, 80)
    undo(tree, slot)
    assert tree.root == root


@pytest.mark.parametrize("tx, reason", [
    (lambda: sign_tx(Tx("transfer", {"from": 1, "to": 2, "amount": 99, "fee": 2}), [ALICE], [0]),
     "does not cover amount"),                                                   # overdraft
    (lambda: sign_tx(Tx("transfer", {"from": 1, "to": 2, "amount": 9, "fee": 2}), [BOB], [0]),
     "bad signature by account 1"),                                              # signed by someone else
    (lambda: sign_tx(Tx("transfer", {"from": 1, "to": 2, "amount": 9, "fee": 2}), [ALICE], [3]),
     "signed for nonce 3, account 1 is at 0"),                                   # a nonce from the future
    (lambda: Tx("transfer", {"from": 1, "to": 2, "amount": 9, "fee": 2},
                sign_tx(Tx("transfer", {"from": 1, "to": 2, "amount": 9, "fee": 2}), [ALICE], [3]).sigs, (5,)),
     "bad signature"),                                                           # claims a nonce it was not signed for
    (lambda: sign_tx(Tx("transfer", {"from": 1, "to": 7, "amount": 9, "fee": 2}), [ALICE], [0]),
     "receiver account does not exist"),
    (lambda: tampered(sign_tx(Tx("withdraw", {"from": 1, "amount": 9, "fee": 2, "to": 5}), [ALICE], [0]),
                      amount=90), "bad signature"),                             # amount changed after signing
    (lambda: sign_tx(Tx("transfer", {"from": 1, "to": 300, "amount": 1, "fee": 0}), [ALICE], [0]),
     "outside a tree of depth 8"),
    (lambda: sign_tx(Tx("transfer", {"from": 1, "to": 2, "amount": 2**64, "fee": 0}), [ALICE], [0]),
     "does not fit its 8 bytes"),
])
def test_rejections_name_the_reason_and_leave_the_state_alone(tx, reason):
    tree = funded_tree()
    root = tree.root
    with pytest.raises(TxRejected, match=reason):
        apply_tx(tree, tx())
    assert tree.root == root


def test_a_later_nonce_is_not_yet_rather_than_never():
    tx = sign_tx(Tx("transfer", {"from": 1, "to": 2, "amount": 9, "fee": 2}), [ALICE], [1])
    with pytest.raises(NonceAhead):
        apply_tx(funded_tree(), tx)


def test_replay_is_refused():
    tree = funded_tree()
    tx = sign_tx(Tx("transfer", {"from": 1, "to": 2, "amount": 5, "fee": 0}), [ALICE], [0])
    apply_tx(tree, tx)
    with pytest.raises(TxRejected, match="replay"):
        apply_tx(tree, tx)
    unsigned_nonce = Tx(tx.type, tx.fields, tx.sigs)  # no claimed nonce: the signature no longer matches
    with pytest.raises(TxRejected, match="bad signature"):
        apply_tx(tree, unsigned_nonce)


def test_a_deposit_cannot_take_over_an_account_with_another_key():
    tree = funded_tree()
    ax, ay = public_key(BOB)
    with pytest.raises(TxRejected, match="holds another key"):
        apply_tx(tree, Tx("deposit", {"to": 1, "amount": 5, "ax": ax, "ay": ay}))


@settings(max_examples=30, deadline=None, database=None)
@given(st.lists(st.one_of(
    st.builds(lambda a, b, x, f: Tx("transfer", {"from": a, "to": b, "amount": x, "fee": f}),
              st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.integers(0, 2**64 - 1), st.integers(0, 2**32 - 1)),
    st.builds(lambda a, x, ax: Tx("deposit", {"to": a, "amount": x, "ax": ax, "ay": ax // 3}),
              st.integers(0, 2**32 - 1), st.integers(0, 2**64 - 1), st.integers(0, R - 1)),
    st.just(Tx("noop", {}))), max_size=6))
def test_batch_data_decodes_to_what_was_encoded(txs):
    decoded = decode_batch(encode_batch(txs))
    assert [(t.name, values) for t, values in decoded] == [(tx.type, dict(tx.fields)) for tx in txs]


def test_truncated_or_unknown_data_is_refused():
    data = encode_batch([Tx("transfer", {"from": 1, "to": 2, "amount": 3, "fee": 4})])
    with pytest.raises(TxRejected, match="data ends inside field"):
        decode_batch(data[:-1])
    with pytest.raises(TxRejected, match="no transaction type has id 250"):
        decode_batch(bytes([250]))


def test_a_module_registering_a_type_may_be_imported_again(tmp_path):
    """Notebooks and test runners import a module again: the same definition (new function
    objects, same code) is harmless, and the newest is kept; a changed one is refused."""
    import importlib.util

    from prozchain.circuits.txtypes.registry import REGISTRY

    source = ("from prozchain.circuits.txtypes.registry import TxType, register\n"
              "def credit(checks, fields, account):\n"
              "    return account.replace(balance=account.balance + fields['amount'])\n"
              "KIND = register(TxType('reimported', 242, (('to', 4), ('amount', 8)), a='to', update_a=credit))\n")
    (tmp_path / "mytype.py").write_text(source)
    try:
        kinds = []
        for name in ("first", "second"):
            spec = importlib.util.spec_from_file_location(f"mytype_{name}", tmp_path / "mytype.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            kinds.append(module.KIND)
        assert kinds[0] is not kinds[1] and REGISTRY["reimported"] is kinds[1]
        # another file: the changed source has the same size and may have the same mtime, so a
        # bytecode cache would hand back the first definition
        (tmp_path / "mytype_changed.py").write_text(source.replace("+ fields['amount']", "- fields['amount']"))
        spec = importlib.util.spec_from_file_location("mytype_changed", tmp_path / "mytype_changed.py")
        with pytest.raises(RegistryError, match="a different transaction type 'reimported'"):
            spec.loader.exec_module(importlib.util.module_from_spec(spec))
    finally:
        REGISTRY.pop("reimported", None)


def test_registry_refuses_clashes_and_malformed_types():
    with pytest.raises(RegistryError, match="type id 2 .* is taken by 'transfer'"):
        register(TxType("other", 2))
    with pytest.raises(RegistryError, match="already registered"):
        register(TxType("transfer", 2))
    with pytest.raises(RegistryError, match="width 40"):
        register(TxType("wide", 240, (("x", 40),)))
    with pytest.raises(RegistryError, match="names field 'to'"):
        register(TxType("orphan", 241, (("x", 4),), a="to"))
    with pytest.raises(RegistryError, match="no transaction type 'nope'"):
        get("nope")


def test_bulk_loading_equals_setting_one_by_one():
    accounts = [Account(*public_key(bytes([i]) * 32), 10 * i, i % 3) for i in range(1, 12)]
    one_by_one, bulk = AccountTree(depth=6), AccountTree(depth=6)
    for tree in (one_by_one, bulk):
        tree.set(2, Account(1, 2, 3, 4))
    for i, account in enumerate(accounts):
        one_by_one.set(5 + i, account)
    bulk.bulk_load(5, accounts)
    assert bulk.root == one_by_one.root and bulk.proof(9) == one_by_one.proof(9) and bulk.get(7) == accounts[2]


def test_tree_update_speed_is_measured(capsys):
    """Per-update cost of the Python tree (depth hashes per update), printed for the README."""
    tree = AccountTree(depth=24)
    start = time.perf_counter()
    for i in range(50):
        tree.set(i * 7919, Account(1, 2, i, 0))
    per_update = (time.perf_counter() - start) / 50
    print(f"depth-24 account update: {per_update * 1e3:.2f} ms")
    assert tree.get(7919).balance == 1 and len(tree.accounts) == 50
