"""Transaction types of the ZK rollup as circuits registered by name, and the batch circuit.

Guide: adding a transaction type (no change to ``rollup/`` needed)
-------------------------------------------------------------------
``prozchain circuit new-txtype NAME [--dir DIR]`` writes a working type, ``NAME.py``, and its
test, ``test_NAME.py``, to start from. docs/zk-rollup.md ("Adding a transaction type") walks
one type from registration to a batch proven, verified on the reference L1 and rebuilt by a
node, as a runnable example. The steps, and the rules: those marked (*) are enforced, a type
or batch circuit breaking one is refused with a :class:`RegistryError` that names the rule.

1. Its data: ``fields`` as ``(name, byte width)``; widths 1..31 are packed big-endian into the
   posted data, 32 is a whole field element (*). Any number of them: a slot of the batch
   circuit posts 4 data elements (the type byte included), a type needing more fills more
   slots (see "Slots" below).
2. The accounts it touches: ``a`` (updated first), ``b`` (read after a's update), and any
   number more in ``more=(("field", update_c), ("field", update_d), ...)`` (c, d, ..., in
   that order), each a 4-byte field holding an account index (*). Accounts are numbered from 1
   in the order of their first deposit on L1 (index 0 is never anyone's). ``signers`` = how
   many accounts sign, from the first: 0, 1 (a), 2 (a and b), 3 (a, b and c), ... (*).
3. ``update_a(checks, fields, account)`` / ``update_b`` / ``more``'s: return the new account from the old
   one with ``+ - *`` and ``account.replace(...)``; refuse with ``checks.range(x, bits,
   reason)``, ``checks.equal(x, y, reason)``, ``checks.nonzero(x, reason)``. They run on ints
   (the sequencer's validation, rejections carry the reason) and on circuit variables (the
   batch circuit's constraints). Every update must accept all-zero inputs (*): it runs, gated
   to zero, in the other types' slots. Leave the nonce alone: the framework bumps every
   signer's nonce and keeps the others' (replay protection), whatever an update returns.
4. ``register(TxType(name, type_id, fields, a=..., b=..., signers=..., update_a=..., ...))``.
   ``type_id`` is a byte, unique; 0-4 are noop, deposit, transfer, withdraw and full_exit (*). Only the
   L1 effects are fixed: ``fee="field"`` names a field the contract pays the aggregator on L1
   (the update debits it), ``l1="withdraw"`` pays ``amount`` to the L1 address ``to`` (*: the
   fields must exist). Register in a module that **every process** using the type imports
   (the operator, a node rebuilding the state, your tests): a process that has not imported it
   cannot decode its data. Importing the module again (notebooks, pytest) is harmless; a
   different type under a registered name is refused.
5. The key: ``prozchain.rollup.zk.system.circuit_and_key(types, slots, depth)`` compiles
   ``BatchCircuit(types, slots, depth)`` and returns it, its compiled form and a development
   Groth16 key (cached on disk); ``types`` must include ``noop`` and ``deposit`` (*). Then
   ``deploy`` it (``prozchain.rollup.zk.system``), run the operator (``agents.Pipeline``), and
   sign transactions with ``sign_tx(tx, seeds, nonces)``: a seed is the signer's raw 32-byte
   EdDSA private key, whose ``public_key(seed)`` it deposited with, and a nonce its account's
   current one.

Slots: one slot of the batch circuit updates 2 accounts and posts 4 data elements. A type with
more accounts or elements fills ``TxType.n_slots`` consecutive slots (3 accounts: 2 slots; 5
elements: 2 slots); nothing else changes for its author. The batch circuit keeps one fixed
shape per (types, slots, depth) and refuses a type wider than its ``slots`` (*); the sequencer
fills a batch by slots, and the contract and a node decode the posted data by them. A signer
signs the whole transaction: ``Poseidon(signed_words, nonce)`` (:func:`signed_words`).

An atomic swap of two balances; the framework, not the update, bumps both signers' nonces:

>>> def pay(checks, f, acc, out, inc):
...     checks.range(acc.balance - out + inc, BALANCE_BITS, "balance too low")
...     return acc.replace(balance=acc.balance - out + inc)
>>> swap = TxType("swap-doc", 200, (("a", 4), ("b", 4), ("x", 8), ("y", 8)), a="a", b="b", signers=2,
...               update_a=lambda c, f, acc: pay(c, f, acc, f["x"], f["y"]),
...               update_b=lambda c, f, acc: pay(c, f, acc, f["y"], f["x"]))
>>> swap.elements({"a": 1, "b": 2, "x": 3, "y": 4}) == [int.from_bytes(
...     bytes([200]) + (1).to_bytes(4, "big") + (2).to_bytes(4, "big") + (3).to_bytes(8, "big")
...     + (4).to_bytes(8, "big"), "big")]
True
>>> swap.update("b", PyChecks(swap), {"a": 1, "b": 2, "x": 3, "y": 4}, Account(5, 6, balance=10, nonce=7))
Account(ax=5, ay=6, balance=9, nonce=8)

A payment split between two payees touches three accounts, so it fills two slots:

>>> split = TxType("split-doc", 203, (("from", 4), ("to1", 4), ("to2", 4), ("x", 8), ("y", 8)), a="from",
...                b="to1", signers=1, update_a=lambda c, f, acc: pay(c, f, acc, f["x"] + f["y"], 0),
...                update_b=lambda c, f, acc: pay(c, f, acc, 0, f["x"]),
...                more=(("to2", lambda c, f, acc: pay(c, f, acc, 0, f["y"])),))
>>> split.roles, split.n_slots
('abc', 2)
>>> register(TxType("needs-a-coin", 201, (("a", 4),), a="a", update_a=lambda c, f, acc: pay(c, f, acc, 1, 0)))
Traceback (most recent call last):
...
prozchain.circuits.txtypes.registry.RegistryError: 'needs-a-coin': update_a fails on all-zero inputs: needs-a-coin: balance too low (rule: an update must accept all-zero inputs (it runs gated to zero in other types' slots))
"""

from prozchain.circuits.txtypes.registry import (BALANCE_BITS, EMPTY, FULL, REGISTRY, SLOT_ACCOUNTS, SLOT_ELEMENTS, Account,
                                                 NonceAhead, PyChecks, RegistryError, TxRejected, TxType, by_id, get,
                                                 register)
from prozchain.circuits.txtypes import builtin  # noqa: F401  (registers noop, deposit, transfer, withdraw, full_exit)
from prozchain.circuits.txtypes.accounts import AccountTree, leaf_hash
from prozchain.circuits.txtypes.batch import (BatchCircuit, Row, Slot, Tx, apply_tx, data_hash, decode_batch, encode_batch,
                                              sign_tx, signed_words, undo)

__all__ = ["Account", "AccountTree", "BALANCE_BITS", "BatchCircuit", "EMPTY", "FULL", "NonceAhead", "PyChecks", "REGISTRY",
           "RegistryError", "Row", "SLOT_ACCOUNTS", "SLOT_ELEMENTS", "Slot", "Tx", "TxRejected", "TxType", "apply_tx", "by_id",
           "data_hash", "decode_batch", "encode_batch", "get", "leaf_hash", "register", "sign_tx", "signed_words", "undo"]
