"""The guide's rules for a transaction type are enforced, not remembered: a type that breaks
one is refused at registration (or a batch circuit at construction) with the rule named, and
replay protection holds for a type whose update never touches the nonce."""

from __future__ import annotations

import pytest

from prozchain.circuits.gadgets.eddsa import public_key
from prozchain.circuits.txtypes import (BALANCE_BITS, REGISTRY, Account, AccountTree, BatchCircuit, PyChecks,
                                        RegistryError, Tx, TxRejected, TxType, apply_tx, register, sign_tx)
from prozchain.relations import WitnessError

ALICE = b"replay-alice".ljust(32, b".")


def burn(checks, fields, account):
    """Destroys some of the signer's balance and, on purpose, leaves its nonce alone."""
    checks.range(account.balance - fields["amount"], BALANCE_BITS, "balance too low")
    return account.replace(balance=account.balance - fields["amount"])


@pytest.fixture(scope="module")
def burner():
    kind = register(TxType("burn-no-nonce", 150, (("from", 4), ("amount", 8)), a="from", signers=1, update_a=burn))
    yield kind
    REGISTRY.pop(kind.name)


def funded_tree(depth: int = 2) -> AccountTree:
    tree = AccountTree(depth)
    tree.set(1, Account(*public_key(ALICE), 100, 0))
    return tree


def test_the_framework_bumps_a_signers_nonce_whatever_the_update_returns(burner):
    tree = funded_tree()
    tx = sign_tx(Tx("burn-no-nonce", {"from": 1, "amount": 30}), [ALICE], [0])
    apply_tx(tree, tx)
    assert (tree.get(1).balance, tree.get(1).nonce) == (70, 1)
    with pytest.raises(TxRejected, match="signed for nonce 0 \\(already used: a replay\\)"):
        apply_tx(tree, tx)                          # the same signed transaction, accepted twice: refused
    assert tree.get(1).balance == 70
    bumper = TxType("nonce-bumper", 151, (("a", 4), ("b", 4)), a="a", b="b", signers=1,
                    update_a=lambda c, f, acc: acc.replace(nonce=acc.nonce + 5),
                    update_b=lambda c, f, acc: acc.replace(nonce=acc.nonce + 5))
    old = Account(1, 2, 3, nonce=7)
    assert [bumper.update(role, PyChecks(bumper), {"a": 1, "b": 2}, old).nonce for role in "ab"] == [8, 7]


def test_the_same_signed_transaction_cannot_be_proven_twice(burner):
    """An operator skipping the sequencer's checks puts the transaction in two slots; the
    second slot's signature is for the nonce the first one used: the circuit refuses it."""
    spec = BatchCircuit(("noop", "deposit", "burn-no-nonce"), slots=2, depth=2)
    compiled = spec.compile()
    tx = sign_tx(Tx("burn-no-nonce", {"from": 1, "amount": 30}), [ALICE], [0])
    tree = funded_tree()
    old = tree.root
    once = [apply_tx(tree, tx), apply_tx(tree, Tx("noop", {}))]
    compiled.solve(spec.inputs(old, tree.root, once))  # once: it proves
    tree = funded_tree()
    twice = [apply_tx(tree, tx), apply_tx(tree, tx, check_signatures=False)]
    inputs = spec.inputs(old, tree.root, twice)
    with pytest.raises(WitnessError):
        compiled.solve(inputs)                      # the signature is not for the account's nonce now
    inputs["msg0"][1] = tx.message(0)               # the message the signature is for
    with pytest.raises(WitnessError):
        compiled.solve(inputs)


def test_a_replay_is_refused_by_the_operator_and_a_proven_batch_holds_it_once(burner):
    from prozchain.testing import make_rig

    rig = make_rig(("noop", "deposit", "burn-no-nonce"), slots=1, depth=2, n_users=1)
    assert rig.deposit(0, 100).status and rig.pipeline.run_batch()[1].status
    tx = rig.sign("burn-no-nonce", {"from": 1, "amount": 30}, signers=[0])
    assert rig.pipeline.accept(tx) is None
    batch, receipt, proof = rig.pipeline.run_batch()
    assert receipt.status and rig.verify_batch(batch, proof) == batch.public
    assert rig.pipeline.accept(tx).startswith("burn-no-nonce: signed for nonce 0 (already used: a replay)")
    assert [(a.balance, a.nonce) for a in (rig.pipeline.head.get(1), rig.node().tree.get(1))] == [(70, 1)] * 2


def zero_refuser(checks, fields, account):
    checks.range(account.balance - 1, BALANCE_BITS, "needs a coin")  # fails where the inputs are zero
    return account


def nonzero_minus_one(checks, fields, account):
    checks.nonzero(account.balance - 1, "needs a balance other than 1")  # the circuit cannot switch it off
    return account


ALL_ZERO = "rule: an update must accept all-zero inputs"


@pytest.mark.parametrize("kind, rule", [
    (TxType("mine", 3), r"type id 3 of 'mine' is taken by 'withdraw' \(rule: type ids are unique; 0-3 are"),
    (TxType("big", 300), r"not a byte \(rule: a type id is 0..255"),
    (TxType("twice", 160, (("x", 4), ("x", 4))), "rule: field names are unique"),
    (TxType("wide", 160, (("x", 40),)), r"width 40 .*\(rule: a field is 1..31 bytes, or 32"),
    (TxType("gap", 160, (("a", 4), ("c", 4)), a="a", more=(("c", lambda c, f, acc: acc),)),
     "accounts in more but not both a and b.*rule: more holds the accounts after a and b"),
    (TxType("fat-c", 160, (("a", 4), ("b", 4), ("c", 8)), a="a", b="b", more=(("c", lambda c, f, acc: acc),)),
     "account field 'c' is 8 bytes.*as are those in more"),
    (TxType("c-signs-alone", 160, (("a", 4),), a="a", signers=3), "rule: signers is 0, 1 .* or 2 .*the first accounts"),
    (TxType("orphan", 160, (("x", 4),), a="to"), r"names field 'to'.*rule: a, b and fee name fields"),
    (TxType("fat-index", 160, (("from", 8),), a="from"), "account field 'from' is 8 bytes.*rule: accounts a and b are 4-byte"),
    (TxType("lonely", 160, (("a", 4),), a="a", signers=2), "rule: signers is 0, 1 .* or 2"),
    (TxType("odd", 160, l1="mint"), "unknown L1 effect 'mint'.*rule: the L1 effects are"),
    (TxType("exit-nowhere", 160, (("amount", 8),), l1="withdraw"), r"without fields \['to'\].*rule: the contract reads"),
    (TxType("zero-range", 160, (("a", 4),), a="a", update_a=zero_refuser), f"update_a fails .*needs a coin.*{ALL_ZERO}"),
    (TxType("zero-nonzero", 160, (("a", 4),), a="a", update_a=nonzero_minus_one), f"update_a fails .*{ALL_ZERO}"),
    (TxType("no-account", 160, (("b", 4),), b="b", update_b=lambda c, f, acc: 0), f"not an Account.*{ALL_ZERO}"),
])
def test_a_type_breaking_a_rule_is_refused_with_the_rule_named(kind, rule):
    with pytest.raises(RegistryError, match=rule):
        register(kind)
    assert kind.name not in REGISTRY


def test_an_update_that_holds_on_zeros_is_accepted():
    """nonzero on an input that is zero in other slots is switched off there, as the circuit does."""
    def needs_key(checks, fields, account):
        checks.nonzero(account.ax, "no key")
        return account

    kind = register(TxType("needs-key", 161, (("a", 4),), a="a", update_a=needs_key))
    try:
        with pytest.raises(TxRejected, match="needs-key: no key"):
            kind.update("a", PyChecks(kind), {"a": 1}, Account(0, 0, 5, 0))
    finally:
        REGISTRY.pop(kind.name)


@pytest.mark.parametrize("types", [("deposit", "transfer"), ("noop", "transfer")])
def test_a_batch_circuit_needs_noop_and_deposit(types):
    with pytest.raises(RegistryError, match="rule: a batch circuit's types include noop, .* and deposit"):
        BatchCircuit(types, slots=1, depth=2)


def test_sign_tx_takes_one_raw_32_byte_seed_per_signer():
    from prozchain.rollup.l1 import Key

    tx = Tx("transfer", {"from": 1, "to": 2, "amount": 3, "fee": 0})
    for keys, nonces, message in (([Key.from_seed(b"l1")], [0], "signer 0's key is a Key, not a raw 32-byte seed"),
                                  ([b"short"], [0], "not a raw 32-byte seed"),
                                  ([ALICE, ALICE], [0, 0], r"1 signer\(s\), 2 key\(s\) and 2 nonce"),
                                  ([ALICE], [], r"1 signer\(s\), 1 key\(s\) and 0 nonce")):
        with pytest.raises(TxRejected, match=message):
            sign_tx(tx, keys, nonces)
