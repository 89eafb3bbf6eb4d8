"""The batch circuit: a fixed number of slots, each one transaction of any registered type,
padded with noops, proving ``old_root -> new_root`` and binding the batch's posted data.

Public inputs: ``old_root``, ``new_root``, ``data_hash``. The data is the transactions'
encodings (type byte, then fields) back to back; ``data_hash`` chains
``h = Poseidon(h + p, e_1..e_E)`` over the slots' data elements (see ``TxType.layout``; ``p``
is the slot's part of its transaction, 0 but in a multi-slot one), so a contract that decodes
the calldata it received and hashes it knows the proof is about exactly that data. Per slot the
circuit: selects the type and part (one-hot), range-checks and packs the fields, updates its
two accounts with each type's update (gated by the selection) under the running root, and
checks up to two EdDSA-Poseidon signatures on ``Poseidon(w_1..w_4, nonce)`` by the accounts'
keys (:func:`signed_words`; slots that sign less check a fixed dummy signature instead).

**Multi-slot transactions.** A type with more than 2 accounts or 4 data elements occupies
``n_slots`` consecutive slots (:attr:`TxType.n_slots`); its part ``p`` (slot ``i``) is selected
by the private code ``type_id + 256 p`` and:

- reads the transaction's fields from slot ``i - p``, its part 0 (which range-checks them), so
  every part works on the same fields;
- updates accounts ``2p`` and ``2p + 1`` (c and d in part 1), and checks the signatures of
  those among them that sign, on the whole transaction's :func:`signed_words`;
- is selected exactly when slot ``i - 1`` is part ``p - 1`` of the same type (a linear
  constraint per slot and part), and a part that could not start or finish inside the batch is
  no selectable code there: a continuation cannot stand alone, a transaction cannot be split
  at the batch's end, and a part cannot be moved to another transaction's slots;
- posts elements ``4p .. 4p + 3`` under the tag ``p`` in the data hash, so posted data decodes
  into exactly one sequence of slots (the contract counts a type's ``n_slots`` per transaction).

Single-slot types cost what they did: the parts' selections, carried fields and sequencing
constraints exist only when a circuit's types include a multi-slot one.

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
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Mapping, Sequence

from prozchain.circuits import Circuit, assert_equal, assert_mul
from prozchain.circuits.gadgets.bits import range_check, to_bits
from prozchain.circuits.gadgets.comparators import is_equal
from prozchain.circuits.gadgets.eddsa import Signature, public_key, sign, verify, verify_gadget
from prozchain.circuits.gadgets.merkle import merkle_update
from prozchain.circuits.gadgets.poseidon import poseidon, poseidon_hash
from prozchain.circuits.txtypes.accounts import AccountTree
from prozchain.circuits.api import scope
from prozchain.circuits.txtypes.registry import (FULL, ROLES, SLOT_ACCOUNTS, SLOT_ELEMENTS, Account, CircuitChecks,
                                                 NonceAhead, PyChecks, RegistryError, TxRejected, TxType, by_id, get,
                                                 unchanged)
from prozchain.native.curve import R

DUMMY_KEY = b"prozchain zk rollup dummy signer"
PART = 256  # the code of part p of a type in the batch circuit is type_id + PART * p


def fold(values: Sequence[Any], hash_fn: Callable[[Sequence[Any]], Any] = poseidon_hash) -> Any:
    """Poseidon of any number of values, 16 at a time chained (ints with ``poseidon_hash``,
    circuit variables with ``poseidon``)."""
    h, rest = hash_fn(list(values[:16])), list(values[16:])
    while rest:
        h, rest = hash_fn([h] + rest[:15]), rest[15:]
    return h


def signed_words(t: TxType, values: Mapping[str, Any], type_value: Any = None,
                 hash_fn: Callable[[Sequence[Any]], Any] = poseidon_hash) -> list[Any]:
    """The 4 words a signer signs, with its nonce: the transaction's data elements, zero-padded,
    or for a type with more than 4, the first 3 and the :func:`fold` of the rest.

    >>> signed_words(get("transfer"), {"from": 1, "to": 2, "amount": 3, "fee": 4})[1:]
    [0, 0, 0]
    """
    elements = t.elements(values, type_value)
    if len(elements) <= SLOT_ELEMENTS:
        return elements + [0] * (SLOT_ELEMENTS - len(elements))
    return elements[:SLOT_ELEMENTS - 1] + [fold(elements[SLOT_ELEMENTS - 1:], hash_fn)]


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

    def message(self, nonce: int) -> int:
        """What a signer with account nonce ``nonce`` signs: ``Poseidon(signed_words, nonce)``."""
        return poseidon_hash(signed_words(self.tx_type, self.fields) + [nonce])

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
    """``tx`` signed by each signer (account a, then b, ...) at its account's current nonce: ``keys``
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
    """One applied transaction as the batch circuit needs it: each account before it, and its
    Merkle path when it was updated. ``more`` holds accounts c, d, ... of a multi-slot type,
    padded with the null account 0 to fill its slots (two accounts each)."""

    tx: Tx
    old_a: Account[int]
    a_siblings: list[int]
    old_b: Account[int]
    b_siblings: list[int]
    more: list[tuple[Account[int], list[int]]] = field(default_factory=list)
    indices: list[int] = field(default_factory=list)  # the account of each of olds, in order

    @property
    def olds(self) -> list[Account[int]]:
        return [self.old_a, self.old_b] + [old for old, _ in self.more]

    @property
    def paths(self) -> list[list[int]]:
        return [self.a_siblings, self.b_siblings] + [siblings for _, siblings in self.more]

    def rows(self) -> list["Row"]:
        """The batch circuit's slots this transaction fills, one per part."""
        k = SLOT_ACCOUNTS
        return [Row(self.tx, p, self.olds[k * p:k * p + k], self.paths[k * p:k * p + k])
                for p in range(self.tx.tx_type.n_slots)]


@dataclass
class Row:
    """One slot of the batch circuit: part ``part`` of ``tx``, and the slot's two accounts
    before their updates with their Merkle paths then."""

    tx: Tx
    part: int
    olds: list[Account[int]]
    paths: list[list[int]]


@lru_cache(maxsize=1 << 16)
def verified(msg: int, sig: Signature, a: tuple[int, int]) -> bool:
    """:func:`~prozchain.circuits.gadgets.eddsa.verify`, remembered: an operator checks each
    transaction when it enters the mempool and again when sealing it, and a Baby Jubjub
    verification in Python costs tens of milliseconds, most of sealing's time."""
    return verify(msg, sig, a)


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
    for role in ROLES[:SLOT_ACCOUNTS * t.n_slots]:  # the accounts, then the null account 0 to fill the slots
        field = t.accounts[ROLES.index(role)] if role in t.roles else None
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
                if not verified(tx.message(nonce), tx.sigs[k], (old.ax, old.ay)):
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
    return Slot(tx, olds[0], paths[0], olds[1], paths[1], list(zip(olds[2:], paths[2:])),
                [index for _, index in roles])


def undo(tree: AccountTree, slot: Slot) -> None:
    """Take back an applied transaction (the last one applied to ``tree``)."""
    accounts = slot.tx.tx_type.accounts
    for k in reversed(range(len(slot.olds))):
        field_ = accounts[k] if k < len(accounts) else None
        tree.set(slot.tx.fields[field_] if field_ else 0, slot.olds[k])


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
    """The chained Poseidon of the slots' data elements (the batch circuit's third public input):
    ``h = Poseidon(h + p, elements of part p)`` for each slot ``p`` of each transaction."""
    h = 0
    for t, values in decoded:
        for part in range(t.n_slots):
            h = chain(h, part, t.part_elements(values, part), n_elements)
    return h


def chain(h: int, part: int, elements: Sequence[int], n_elements: int) -> int:
    """One step of :func:`data_hash`: ``Poseidon(h + part, elements zero-padded to n_elements)``."""
    return poseidon_hash([(h + part) % R] + list(elements) + [0] * (n_elements - len(elements)))


class BatchCircuit(Circuit):
    """``slots`` slots of transactions of the registered types named in ``types`` on a tree of
    ``depth`` (a multi-slot type's transaction fills several; see the module doc). The types
    must include ``noop`` (it pads the slots) and a type with the L1 effect "deposit" (the
    contract's deposit queue must be served, or the rollup freezes), and each type must fit in
    ``slots``: a :class:`RegistryError` names the rule otherwise. Other registered types are not
    accepted by this circuit."""

    def __init__(self, types: Sequence[str] = ("noop", "deposit", "transfer", "withdraw"), slots: int = 2,
                 depth: int = 8):
        self.types = tuple(get(name) for name in types)
        if 0 not in [t.type_id for t in self.types] or "deposit" not in [t.l1 for t in self.types]:
            raise RegistryError(f"types {list(types)} (rule: a batch circuit's types include noop, which pads "
                                "its slots, and deposit, which serves the L1 deposit queue)")
        for t in self.types:
            if t.n_slots > slots:
                raise RegistryError(f"{t.name!r} takes {t.n_slots} slots, the batch has {slots} (rule: a batch "
                                    "circuit has at least as many slots as its widest type takes)")
        self.slots, self.depth = slots, depth
        self.parts = [(t, p) for t in self.types for p in range(t.n_slots)]
        self.n_fields = max(len(t.fields) for t in self.types)
        self.n_elements = min(SLOT_ELEMENTS, max(len(t.layout()) for t in self.types))
        self.n_signers = min(SLOT_ACCOUNTS, max(t.signers for t in self.types))

    # -- out of circuit ------------------------------------------------------------------------
    def pad(self, txs: Sequence[Tx]) -> list[Tx]:
        """``txs`` and the noops that fill the batch's slots."""
        used = sum(tx.tx_type.n_slots for tx in txs)
        if used > self.slots:
            raise TxRejected(f"{len(txs)} transactions take {used} slots, the batch has {self.slots}")
        return list(txs) + [Tx("noop", {})] * (self.slots - used)

    def inputs(self, old_root: int, new_root: int, slots: Sequence[Slot]) -> dict[str, Any]:
        """The solver's input for transactions applied (in order, padded) from ``old_root``."""
        ids = [t.type_id for t in self.types]
        if sum(s.tx.tx_type.n_slots for s in slots) != self.slots or any(s.tx.tx_type.type_id not in ids for s in slots):
            raise TxRejected(f"{self.slots} slots of types {[t.name for t in self.types]} expected")
        return self.row_inputs(old_root, new_root, [row for s in slots for row in s.rows()])

    def row_inputs(self, old_root: int, new_root: int, rows: Sequence[Row]) -> dict[str, Any]:
        """The solver's input for one :class:`Row` per slot, as given: :meth:`inputs` for
        transactions, and a test's way to forge witnesses (parts out of order, alone, ...)."""
        h, dummy_pub, dummy_sig = 0, *dummy_signature()
        doc: dict[str, Any] = {"old_root": old_root, "new_root": new_root, "type": [], "fields": [],
                               "a": [], "b": [], "a_siblings": [], "b_siblings": []}
        signatures: list[list[tuple]] = [[] for _ in range(self.n_signers)]
        for row in rows:
            t = row.tx.tx_type
            h = chain(h, row.part, t.part_elements(row.tx.fields, row.part), self.n_elements)
            doc["type"].append(t.type_id + PART * row.part)
            values = [row.tx.fields[n] for n in t.field_names()] if row.part == 0 else []  # parts read part 0's
            doc["fields"].append(values + [0] * (self.n_fields - len(values)))
            for k, role in enumerate("ab"):
                doc[role].append(row.olds[k].values())
                doc[f"{role}_siblings"].append(row.paths[k])
            for k, sigs in enumerate(signatures):
                signer = SLOT_ACCOUNTS * row.part + k
                if signer < t.signers:
                    account = row.olds[k]
                    sigs.append(([account.ax, account.ay], row.tx.message(account.nonce), row.tx.sigs[signer]))
                else:
                    sigs.append((list(dummy_pub), 0, dummy_sig))
        doc["data_hash"] = h
        for k, sigs in enumerate(signatures):
            doc[f"pub{k}"] = [r[0] for r in sigs]
            doc[f"msg{k}"] = [r[1] for r in sigs]
            doc[f"r8_{k}"] = [list(r[2].R8) for r in sigs]
            doc[f"s{k}"] = [r[2].S for r in sigs]
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
        root, h, selected = old_root, 0, {}
        for i in range(n):
            root, h, selected = self._slot(i, root, h, types[i], fields, selected,
                                           [accounts["a"][i], accounts["b"][i]], [siblings["a"][i], siblings["b"][i]],
                                           [[x[i] for x in s] for s in sigs])
        assert_equal(root, new_root)
        assert_equal(h, data)

    def _select(self, i: int, type_var, previous: dict) -> dict:
        """The one-hot selection of slot ``i``'s (type, part): only parts whose transaction can
        start and finish inside the batch are selectable, and part ``p`` >= 1 holds exactly when
        slot ``i - 1`` holds part ``p - 1`` of the same type."""
        selected = {(t.name, p): is_equal(type_var, t.type_id + PART * p) for t, p in self.parts
                    if p <= i and t.n_slots - 1 - p <= self.slots - 1 - i}
        with scope("slot selection"):  # no selectable part: e.g. a transaction split at the batch's end
            assert_equal(sum(selected.values()), 1)
        with scope("multi-slot sequence"):
            for (name, p), sel in selected.items():
                if p:
                    assert_equal(sel, previous[(name, p - 1)])
        return selected

    def _slot(self, i, root, h, type_var, fields, previous, account_vars, sibling_vars, sig_vars):
        selected = self._select(i, type_var, previous)
        parts = [(t, p) for t, p in self.parts if (t.name, p) in selected]
        gated = {}
        for t, p in parts:
            sel = selected[(t.name, p)]
            gated[(t.name, p)] = {name: sel * fields[i - p][j] for j, (name, _) in enumerate(t.fields)}
            for name, width in t.fields if p == 0 else ():  # part 0 checks the fields every part reads
                if width != FULL:
                    range_check(gated[(t.name, p)][name], 8 * width)
        elements, words, tag = [0] * self.n_elements, [0] * SLOT_ELEMENTS, 0
        for t, p in parts:
            sel, values = selected[(t.name, p)], gated[(t.name, p)]
            for j, e in enumerate(t.part_elements(values, p, sel * t.type_id)):
                elements[j] = elements[j] + e
            tag = tag + p * sel if p else tag
            if t.signers > SLOT_ACCOUNTS * p:  # a signer in this part signs the whole transaction
                part_words = signed_words(t, values, sel * t.type_id, poseidon)
                if len(t.layout()) > SLOT_ELEMENTS:  # the fold of gated zeros is not zero: gate it
                    part_words[-1] = sel * part_words[-1]
                words = [w + x for w, x in zip(words, part_words)]
        olds = [Account(*vars_) for vars_ in account_vars]
        # the slot's second account is read after the first one's update, as apply_tx does
        for k in range(SLOT_ACCOUNTS):
            index, new_values = 0, [0] * 4
            for t, p in parts:
                sel, role = selected[(t.name, p)], ROLES[SLOT_ACCOUNTS * p + k]
                if role in t.roles and t.accounts[ROLES.index(role)]:
                    index = index + gated[(t.name, p)][t.accounts[ROLES.index(role)]]
                gated_old = Account(*(sel * v for v in olds[k].values()))
                if role in t.roles and (t.update_of(role) is not unchanged or t.signs(role)):
                    # gated again: zero in the other types' slots, whatever the update gives there
                    new = t.update(role, CircuitChecks(sel), gated[(t.name, p)], gated_old)
                    gated_old = Account(*(sel * v for v in new.values()))
                new_values = [x + v for x, v in zip(new_values, gated_old.values())]
            root = merkle_update(root, poseidon(olds[k].values()), poseidon(new_values), sibling_vars[k],
                                 to_bits(index, self.depth))
        for k, (pub, msg, r8, s) in enumerate(sig_vars):
            enabled = sum(selected[(t.name, p)] for t, p in parts if t.signers > SLOT_ACCOUNTS * p + k)
            account = olds[k]
            assert_mul(enabled, pub[0] - account.ax, 0)
            assert_mul(enabled, pub[1] - account.ay, 0)
            assert_mul(enabled, msg - poseidon(words + [account.nonce]), 0)
            verify_gadget(msg, pub, r8, s)
        return root, poseidon([h + tag] + elements), selected
