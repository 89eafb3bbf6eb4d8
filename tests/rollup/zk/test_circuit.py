"""The batch circuit itself refuses what a dishonest operator could feed it, whatever the
sequencer checks: each forged input below makes the witness unsatisfiable."""

from __future__ import annotations

import copy

import pytest

from prozchain.relations import WitnessError
from prozchain.circuits.gadgets.eddsa import public_key
from prozchain.circuits.testing import check_circuit
from prozchain.circuits.txtypes import Account, AccountTree, BatchCircuit, Slot, Tx, apply_tx, sign_tx
from prozchain.native.curve import R

ALICE, BOB = b"A" * 32, b"B" * 32


@pytest.fixture(scope="module")
def case():
    spec = BatchCircuit(slots=1, depth=4)
    compiled = spec.compile()
    tree = AccountTree(4)
    tree.set(1, Account(*public_key(ALICE), 100, 0))
    tree.set(2, Account(*public_key(BOB), 5, 0))
    old = tree.root
    slot = apply_tx(tree, sign_tx(Tx("transfer", {"from": 1, "to": 2, "amount": 60, "fee": 1}), [ALICE], [0]))
    return compiled, spec.inputs(old, tree.root, [slot])


def forged(inputs: dict, **paths) -> dict:
    out = copy.deepcopy(inputs)
    for path, value in paths.items():
        *keys, last = path.split("__")
        target = out
        for k in keys:
            target = target[int(k)] if k.isdigit() else target[k]
        target[int(last) if last.isdigit() else last] = value
    return out


def test_the_honest_witness_satisfies_every_constraint(case):
    compiled, inputs = case
    check_circuit(compiled, valid=[inputs])
    assert compiled.r1cs.n_constraints > 12_000


@pytest.mark.parametrize("change", [
    {"fields__0__2": 200},                       # amount above the balance (the signature would not match either)
    {"a__0__2": 1_000},                          # a richer sender than the tree holds
    {"s0__0": 12345},                            # a signature that does not verify
    {"a__0__3": 1},                              # the sender's nonce: the signature was for nonce 0
    {"type__0": 3},                              # the data claims a withdrawal
    {"type__0": 77},                             # a type the circuit does not know
    {"data_hash": 1},                            # the posted data differs
    {"new_root": 5},                             # the wrong new root
])
def test_forged_inputs_are_unsatisfiable(case, change):
    compiled, inputs = case
    with pytest.raises(WitnessError):
        compiled.solve(forged(inputs, **change))


def test_a_signed_overdraft_cannot_be_proven(case):
    """Alice signs a transfer above her balance; the operator skips the checks and builds the
    witness with a wrapped-around balance: the circuit's range check refuses it."""
    compiled, _ = case
    spec = BatchCircuit(slots=1, depth=4)
    tree = AccountTree(4)
    alice, bob = Account(*public_key(ALICE), 100, 0), Account(*public_key(BOB), 5, 0)
    tree.set(1, alice)
    tree.set(2, bob)
    old = tree.root
    tx = sign_tx(Tx("transfer", {"from": 1, "to": 2, "amount": 200, "fee": 1}), [ALICE], [0])
    a_siblings = tree.proof(1)[0]
    tree.set(1, alice.replace(balance=(100 - 201) % R, nonce=1))
    b_siblings = tree.proof(2)[0]
    tree.set(2, bob.replace(balance=205))
    inputs = spec.inputs(old, tree.root, [Slot(tx, alice, a_siblings, bob, b_siblings)])
    with pytest.raises(WitnessError, match=r"to_bits\(64\)"):
        compiled.solve(inputs)
