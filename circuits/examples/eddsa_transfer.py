"""``EddsaTransfer``: a signed transfer between two accounts of one Poseidon Merkle tree.

The seed of the rollup's transfer type. An account leaf is ``Poseidon(Ax, Ay, balance, nonce)``.
The sender signs ``Poseidon(from_index, to_index, amount, nonce)`` with EdDSA-Poseidon; the
circuit checks the signature, that the amount fits in 64 bits and the sender can pay it, then
updates the sender's leaf (balance - amount, nonce + 1) under ``old_root`` and the receiver's
leaf (balance + amount) under the intermediate root, which must give ``new_root``.

>>> import json, pathlib
>>> sample = json.loads(pathlib.Path(__file__).with_name("eddsa_transfer.input.json").read_text())
>>> c = EddsaTransfer(depth=4).compile()
>>> c.r1cs.n_constraints
11459
>>> c.check(c.solve(sample))
"""

from __future__ import annotations

from prozchain.circuits import Circuit, assert_equal
from prozchain.circuits.gadgets.bits import from_bits, range_check
from prozchain.circuits.gadgets.eddsa import public_key, sign, verify_gadget
from prozchain.circuits.gadgets.merkle import SparseMerkleTree, merkle_update
from prozchain.circuits.gadgets.poseidon import poseidon, poseidon_hash

BALANCE_BITS = 64


def leaf_value(pub: tuple[int, int], balance: int, nonce: int) -> int:
    """An account leaf, out of circuit."""
    return poseidon_hash([pub[0], pub[1], balance, nonce])


def transfer_message(from_index: int, to_index: int, amount: int, nonce: int) -> int:
    """What the sender signs."""
    return poseidon_hash([from_index, to_index, amount, nonce])


class EddsaTransfer(Circuit):
    """Public ``old_root``, ``new_root``; private accounts, Merkle paths, amount and signature.

    11459 constraints at depth 4: the signature 5904, its message 297, three 64-bit range
    checks 195, four account leaves 1188, two leaf updates 3874, the final root 1.
    """

    def __init__(self, depth: int = 4):
        self.depth = depth

    def define(self) -> None:
        d = self.depth
        old_root, new_root = self.public_input("old_root"), self.public_input("new_root")
        amount = self.private_input("amount")
        sender, s_balance, s_nonce = self.private_input("from_key", 2), self.private_input("from_balance"), self.private_input("from_nonce")
        s_siblings, s_bits = self.private_input("from_siblings", d), self.private_input("from_path_bits", d)
        receiver, r_balance, r_nonce = self.private_input("to_key", 2), self.private_input("to_balance"), self.private_input("to_nonce")
        r_siblings, r_bits = self.private_input("to_siblings", d), self.private_input("to_path_bits", d)
        r8, s = self.private_input("R8", 2), self.private_input("S")

        msg = poseidon([from_bits(s_bits), from_bits(r_bits), amount, s_nonce])
        verify_gadget(msg, sender, r8, s)
        range_check(amount, BALANCE_BITS)
        range_check(s_balance - amount, BALANCE_BITS)  # no underflow: the sender can pay
        range_check(r_balance + amount, BALANCE_BITS)  # no overflow at the receiver

        s_old = poseidon([sender[0], sender[1], s_balance, s_nonce])
        s_new = poseidon([sender[0], sender[1], s_balance - amount, s_nonce + 1])
        middle = merkle_update(old_root, s_old, s_new, s_siblings, s_bits)
        r_old = poseidon([receiver[0], receiver[1], r_balance, r_nonce])
        r_new = poseidon([receiver[0], receiver[1], r_balance + amount, r_nonce])
        assert_equal(merkle_update(middle, r_old, r_new, r_siblings, r_bits), new_root)


def sample_input(depth: int = 4, amount: int = 250) -> dict:
    """An input JSON for ``EddsaTransfer(depth)``: account 1 pays account 6."""
    keys = {i: bytes([i]) * 32 for i in (1, 6, 9)}
    state = {i: (public_key(k), 1000 * i, i) for i, k in keys.items()}  # pub, balance, nonce
    tree = SparseMerkleTree(depth)
    for i, (pub, balance, nonce) in state.items():
        tree.set(i, leaf_value(pub, balance, nonce))
    old_root = tree.root
    (s_pub, s_balance, s_nonce), (r_pub, r_balance, r_nonce) = state[1], state[6]
    sig = sign(keys[1], transfer_message(1, 6, amount, s_nonce))
    s_siblings, s_bits = tree.proof(1)
    tree.set(1, leaf_value(s_pub, s_balance - amount, s_nonce + 1))
    r_siblings, r_bits = tree.proof(6)
    tree.set(6, leaf_value(r_pub, r_balance + amount, r_nonce))
    as_str = lambda values: [str(v) for v in values]  # noqa: E731
    return {
        "old_root": str(old_root), "new_root": str(tree.root), "amount": str(amount),
        "from_key": as_str(s_pub), "from_balance": str(s_balance), "from_nonce": str(s_nonce),
        "from_siblings": as_str(s_siblings), "from_path_bits": as_str(s_bits),
        "to_key": as_str(r_pub), "to_balance": str(r_balance), "to_nonce": str(r_nonce),
        "to_siblings": as_str(r_siblings), "to_path_bits": as_str(r_bits),
        "R8": as_str(sig.R8), "S": str(sig.S),
    }
