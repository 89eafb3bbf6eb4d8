"""The batch circuit: a fixed number of slots, each one transaction of any registered type,
padded with noops, proving ``old_root -> new_root`` and binding the batch's posted data.

Public inputs: ``old_root``, ``new_root``, ``data_hash``. The data is the transactions'
encodings (type byte, then fields) back to back; ``data_hash`` chains
``h = Poseidon(h, e_1..e_E)`` over the slots' data elements (see ``TxType.layout``), so a
contract that decodes the calldata it received and hashes it knows the proof is about exactly
that data. Per slot the circuit: selects the type (one-hot), range-checks and packs the fields,
updates account ``a`` then ``b`` with each type's update (gated by the selection) under the
running root, and checks up to two EdDSA-Poseidon signatures on ``Poseidon(e_1..e_4, nonce)``
by the accounts' keys (slots whose type signs less check a fixed dummy signature instead).

>>> from prozchain.circuits.gadgets.eddsa import public_key
>>> tree = AccountTree(depth=4)
>>> alice = bytes([1]) * 32
>>> slot = apply_tx(tree, Tx("deposit", {"to": 1, "amount": 90, "ax": public_key(alice)[0], "ay": public_key(alice)[1]}))
>>> tx = sign_tx(Tx("transfer", {"from": 1, "to": 1, "amount": 10, "fee": 2}), [alice], [0])
>>> slot2 = apply_tx(tree, tx)
>>> tree.get(1).balance, tree.get(1).nonce
(88, 1)
>>> apply_tx(tree, tx)
Traceback (most recent call last):
...
prozchain.circuits.txtypes.registry.TxRejected: transfer: signed for nonce 0 (already used: a replay), account 1 is at 1
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping, Sequence

from prozchain.circuits import Circuit, assert_equal, assert_mul
from prozchain.circuits.gadgets.bits import range_check, to_bits
from prozchain.circuits.gadgets.comparators import is_equal
from prozchain.circuits.gadgets.eddsa import Signature, public_key, sign, verify, verify_gadget
from prozchain.circuits.gadgets.merkle import merkle_update
from prozchain.circuits.gadgets.poseidon import poseidon, poseidon_hash
from prozchain.circuits.txtypes.accounts import AccountTree
from prozchain.circuits.txtypes.registry import (FULL, MAX_ELEMENTS, Account, CircuitChecks, NonceAhead, PyChecks,
                                                 RegistryError, TxRejected, TxType, by_id, get, unchanged)

DUMMY_KEY = b"prozchain zk rollup dummy signer"


@lru_cache(maxsize=None)
def dummy_signature() -> tuple[tuple[int, int], Signature]:
    """The key and signature of message 0 that slots check when nobody has to sign."""
    return public_key(DUMMY_KEY), sign(DUMMY_KEY, 0)


@dataclass(frozen=True)
class Tx:
    """A transaction: its type's name, its field values and the signers' signatures."""

    type: str
    fields: Mapping[str, int]
    sigs: tuple[Signature, ...] = ()
    nonces: tuple[int, ...] = ()  # the signers' account nonces the signatures are for

    @property
    def tx_type(self) -> TxType:
        return get(self.type)

    def elements(self) -> list[int]:
        return self.tx_type.elements(self.fields) + [0] * (MAX_ELEMENTS - len(self.tx_type.layout()))

    def message(self, nonce: int) -> int:
        """What a signer with account nonce ``nonce`` signs."""
        return poseidon_hash(self.elements() + [nonce])

    def encode(self) -> bytes:
        return self.tx_type.encode(self.fields)

    def to_json(self) -> dict:
        return {"type": self.type, "fields": dict(self.fields),
                "sigs": [[s.R8[0], s.R8[1], s.S] for s in self.sigs], "nonces": list(self.nonces)}

    @staticmethod
    def from_json(doc: Mapping[str, Any]) -> "Tx":
        return Tx(doc["type"], dict(doc["fields"]), tuple(Signature((x, y), s) for x, y, s in doc["sigs"]),
                  tuple(doc["nonces"]))

    def key(self) -> str:
        """A stable identity of the transaction (its JSON)."""
        return json.dumps(self.to_json(), sort_keys=True)


def sign_tx(tx: Tx, keys: Sequence[bytes], nonces: Sequence[int]) -> Tx:
    """``tx`` signed by each signer (account a, then b) at its account's current nonce: ``keys``
    are raw 32-byte EdDSA seeds (the L2 key whose ``public_key(seed)`` the account deposited
    with), not L1 keys; :class:`TxRejected` says what is wrong otherwise."""
    t = tx.tx_type
    if len(keys) != t.signers or len(nonces) != t.signers:
        raise TxRejected(f"{t.name}: {t.signers} signer(s), {len(keys)} key(s) and {len(nonces)} nonce(s) given")
    for k, key in enumerate(keys):
        if not (isinstance(key, bytes) and len(key) == 32):
            raise TxRejected(f"{t.name}: signer {k}'s key is a {type(key).__name__}, not a raw 32-byte seed")
    return Tx(tx.type, tx.fields, tuple(sign(k, tx.message(n)) for k, n in zip(keys, nonces)), tuple(nonces))


@dataclass
class Slot:
    """One applied transaction as the batch circuit needs it."""

    tx: Tx
    old_a: Account[int]
    a_siblings: list[int]
    old_b: Account[int]
    b_siblings: list[int]


def apply_tx(tree: AccountTree, tx: Tx, check_signatures: bool = True) -> Slot:
    """Apply ``tx`` to ``tree`` (account a, then b) after checking its signatures and its type's
    rules; on :class:`TxRejected` the tree is unchanged and the message gives the reason.
    ``check_signatures=False`` replays proven data (which carries no signatures)."""
    t = tx.tx_type
    if set(tx.fields) != set(t.field_names()):
        raise TxRejected(f"{t.name}: fields {sorted(tx.fields)}, expected {t.field_names()}")
    t.encode(tx.fields)  # every field fits its width
    if check_signatures and len(tx.sigs) < t.signers:
        raise TxRejected(f"{t.name}: {t.signers} signature(s) needed, {len(tx.sigs)} given")
    checks, roles = PyChecks(t), []
    for role in ("a", "b"):
        field = getattr(t, role)
        index = tx.fields[field] if field else 0
        if not 0 <= index < 1 << tree.depth:
            raise TxRejected(f"{t.name}: account {index} outside a tree of depth {tree.depth}")
        roles.append((role, index))
    done: list[tuple[int, Account[int]]] = []
    try:
        olds, paths = [], []
        for k, (role, index) in enumerate(roles):
            old = tree.get(index)
            if check_signatures and k < t.signers:
                nonce = tx.nonces[k] if k < len(tx.nonces) else old.nonce
                if not verify(tx.message(nonce), tx.sigs[k], (old.ax, old.ay)):
                    raise TxRejected(f"{t.name}: bad signature by account {index} (signer {k})")
                if nonce != old.nonce:
                    stale = " (already used: a replay)" if nonce < old.nonce else ""
                    raise (NonceAhead if nonce > old.nonce else TxRejected)(
                        f"{t.name}: signed for nonce {nonce}{stale}, account {index} is at {old.nonce}")
            new = t.update(role, checks, tx.fields, old)
            olds.append(old)
            paths.append(tree.proof(index)[0])
            tree.set(index, new)
            done.append((index, old))
    except TxRejected:
        for index, old in reversed(done):
            tree.set(index, old)
        raise
    return Slot(tx, olds[0], paths[0], olds[1], paths[1])


def undo(tree: AccountTree, slot: Slot) -> None:
    """Take back an applied transaction (the last one applied to ``tree``)."""
    t = slot.tx.tx_type
    indices = [slot.tx.fields[r] if r else 0 for r in (t.a, t.b)]
    tree.set(indices[1], slot.old_b)
    tree.set(indices[0], slot.old_a)


def encode_batch(txs: Sequence[Tx]) -> bytes:
    return b"".join(tx.encode() for tx in txs)


def decode_batch(data: bytes) -> list[tuple[TxType, dict[str, int]]]:
    """The (type, fields) of each transaction in posted data; :class:`TxRejected` if malformed."""
    out, pos = [], 0
    while pos < len(data):
        t = by_id(data[pos])
        values, pos = t.decode(data, pos)
        out.append((t, values))
    return out


def data_hash(decoded: Sequence[tuple[TxType, Mapping[str, int]]], n_elements: int) -> int:
    """The chained Poseidon of the slots' data elements (the batch circuit's third public input)."""
    h = 0
    for t, values in decoded:
        elements = t.elements(values)
        h = poseidon_hash([h] + elements + [0] * (n_elements - len(elements)))
    return h


class BatchCircuit(Circuit):
    """``slots`` transactions of the registered types named in ``types`` on a tree of ``depth``.
    The types must include ``noop`` (it pads the slots) and a type with the L1 effect "deposit"
    (the contract's deposit queue must be served, or the rollup freezes): a
    :class:`RegistryError` names the rule otherwise. Other registered types are not accepted
    by this circuit."""

    def __init__(self, types: Sequence[str] = ("noop", "deposit", "transfer", "withdraw"), slots: int = 2,
                 depth: int = 8):
        self.types = tuple(get(name) for name in types)
        if 0 not in [t.type_id for t in self.types] or "deposit" not in [t.l1 for t in self.types]:
            raise RegistryError(f"types {list(types)} (rule: a batch circuit's types include noop, which pads "
                                "its slots, and deposit, which serves the L1 deposit queue)")
        self.slots, self.depth = slots, depth
        self.n_fields = max(len(t.fields) for t in self.types)
        self.n_elements = max(len(t.layout()) for t in self.types)
        self.n_signers = max(t.signers for t in self.types)

    # -- out of circuit ------------------------------------------------------------------------
    def pad(self, txs: Sequence[Tx]) -> list[Tx]:
        if len(txs) > self.slots:
            raise TxRejected(f"{len(txs)} transactions for {self.slots} slots")
        return list(txs) + [Tx("noop", {})] * (self.slots - len(txs))

    def inputs(self, old_root: int, new_root: int, slots: Sequence[Slot]) -> dict[str, Any]:
        """The solver's input for slots applied (in order, padded) from ``old_root``."""
        ids = [t.type_id for t in self.types]
        if len(slots) != self.slots or any(s.tx.tx_type.type_id not in ids for s in slots):
            raise TxRejected(f"{self.slots} slots of types {[t.name for t in self.types]} expected")
        decoded = [(s.tx.tx_type, s.tx.fields) for s in slots]
        doc: dict[str, Any] = {"old_root": old_root, "new_root": new_root,
                               "data_hash": data_hash(decoded, self.n_elements)}
        doc["type"] = [s.tx.tx_type.type_id for s in slots]
        doc["fields"] = [[s.tx.fields[n] for n in s.tx.tx_type.field_names()] +
                         [0] * (self.n_fields - len(s.tx.fields)) for s in slots]
        for role in ("a", "b"):
            doc[role] = [getattr(s, f"old_{role}").values() for s in slots]
            doc[f"{role}_siblings"] = [getattr(s, f"{role}_siblings") for s in slots]
        dummy_pub, dummy_sig = dummy_signature()
        for k in range(self.n_signers):
            rows = []
            for s in slots:
                if k < s.tx.tx_type.signers:
                    account = s.old_a if k == 0 else s.old_b
                    sig = s.tx.sigs[k]
                    rows.append(([account.ax, account.ay], s.tx.message(account.nonce), sig))
                else:
                    rows.append((list(dummy_pub), 0, dummy_sig))
            doc[f"pub{k}"] = [r[0] for r in rows]
            doc[f"msg{k}"] = [r[1] for r in rows]
            doc[f"r8_{k}"] = [list(r[2].R8) for r in rows]
            doc[f"s{k}"] = [r[2].S for r in rows]
        return doc

    # -- in circuit --------------------------------------------------------------------------------
    def define(self) -> None:
        n, d = self.slots, self.depth
        old_root, new_root = self.public_input("old_root"), self.public_input("new_root")
        data = self.public_input("data_hash")
        types, fields = self.private_input("type", n), self.private_input("fields", (n, self.n_fields))
        accounts = {r: self.private_input(r, (n, 4)) for r in ("a", "b")}
        siblings = {r: self.private_input(f"{r}_siblings", (n, d)) for r in ("a", "b")}
        sigs = [[self.private_input(name, shape) for name, shape in
                 ((f"pub{k}", (n, 2)), (f"msg{k}", n), (f"r8_{k}", (n, 2)), (f"s{k}", n))]
                for k in range(self.n_signers)]
        root, h = old_root, 0
        for i in range(n):
            root, h = self._slot(root, h, types[i], fields[i], [accounts["a"][i], accounts["b"][i]],
                                 [siblings["a"][i], siblings["b"][i]], [[x[i] for x in s] for s in sigs])
        assert_equal(root, new_root)
        assert_equal(h, data)

    def _slot(self, root, h, type_var, field_vars, account_vars, sibling_vars, sig_vars):
        selected = {t.name: is_equal(type_var, t.type_id) for t in self.types}
        assert_equal(sum(selected.values()), 1)
        gated = {}
        for t in self.types:
            gated[t.name] = {name: selected[t.name] * field_vars[i] for i, (name, _) in enumerate(t.fields)}
            for name, width in t.fields:
                if width != FULL:
                    range_check(gated[t.name][name], 8 * width)
        elements = [0] * self.n_elements
        for t in self.types:
            for j, e in enumerate(t.elements(gated[t.name], selected[t.name] * t.type_id)):
                elements[j] = elements[j] + e
        olds = [Account(*vars_) for vars_ in account_vars]
        # account b is read after a's update, as apply_tx does
        for k, role in enumerate(("a", "b")):
            index = sum(gated[t.name][getattr(t, role)] for t in self.types if getattr(t, role))
            old = olds[k]
            new_values = [0] * 4
            for t in self.types:
                sel = selected[t.name]
                gated_old = Account(*(sel * v for v in old.values()))
                if getattr(t, f"update_{role}") is not unchanged or t.signs(role):
                    # gated again: zero in the other types' slots, whatever the update gives there
                    new = t.update(role, CircuitChecks(sel), gated[t.name], gated_old)
                    gated_old = Account(*(sel * v for v in new.values()))
                new_values = [x + v for x, v in zip(new_values, gated_old.values())]
            root = merkle_update(root, poseidon(old.values()), poseidon(new_values), sibling_vars[k],
                                 to_bits(index, self.depth))
        signed_elements = elements + [0] * (MAX_ELEMENTS - self.n_elements)
        for k, (pub, msg, r8, s) in enumerate(sig_vars):
            enabled = sum(selected[t.name] for t in self.types if t.signers > k)
            account = olds[k]
            assert_mul(enabled, pub[0] - account.ax, 0)
            assert_mul(enabled, pub[1] - account.ay, 0)
            assert_mul(enabled, msg - poseidon(signed_elements + [account.nonce]), 0)
            verify_gadget(msg, pub, r8, s)
        return root, poseidon([h] + elements)
