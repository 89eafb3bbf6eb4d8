"""Transaction types of the ZK rollup as circuits registered by name, and the batch circuit.

Guide: adding a transaction type (no change to ``rollup/`` needed)
-------------------------------------------------------------------
1. Describe its data: ``fields`` as ``(name, byte width)``; widths 1..31 are packed big-endian
   into the posted data, 32 is a whole field element. At most 4 data elements per type.
2. Name the accounts it touches: ``a`` (updated first) and ``b`` (read after a's update), each a
   field holding a 4-byte account index; ``signers`` = how many of a, b sign (0, 1 or 2).
3. Write ``update_a(checks, fields, account)`` / ``update_b``: return the new account from the
   old one with ``+ - *`` and ``account.replace(...)``; refuse with ``checks.range(x, bits,
   reason)``, ``checks.equal(x, y, reason)``, ``checks.nonzero(x, reason)``. They run on ints
   (the sequencer's validation, rejections carry the reason) and on circuit variables (the
   batch circuit's constraints). Bump the nonce of every signer (replay protection) and make
   every update accept all-zero inputs (it then runs in other types' slots, gated to zero).
4. ``register(TxType(name, type_id, fields, a=..., b=..., signers=..., update_a=..., ...))``,
   then build ``BatchCircuit(types=(..., name))``: its verification key is the rollup's.
   The sequencer, the aggregator, the contract's data decoding and hashing take any registered
   type; only the L1 effects are fixed ("deposit", "withdraw", and a ``fee`` field).

An atomic swap of two balances (``tests/rollup/zk/test_swap_type.py`` runs it end to end):

>>> def pay(checks, f, acc, out, inc):
...     checks.range(acc.balance - out + inc, BALANCE_BITS, "balance too low")
...     return acc.replace(balance=acc.balance - out + inc, nonce=acc.nonce + 1)
>>> swap = TxType("swap-doc", 200, (("a", 4), ("b", 4), ("x", 8), ("y", 8)), a="a", b="b", signers=2,
...               update_a=lambda c, f, acc: pay(c, f, acc, f["x"], f["y"]),
...               update_b=lambda c, f, acc: pay(c, f, acc, f["y"], f["x"]))
>>> swap.elements({"a": 1, "b": 2, "x": 3, "y": 4}) == [int.from_bytes(
...     bytes([200]) + (1).to_bytes(4, "big") + (2).to_bytes(4, "big") + (3).to_bytes(8, "big")
...     + (4).to_bytes(8, "big"), "big")]
True
"""

from prozchain.circuits.txtypes.registry import (BALANCE_BITS, EMPTY, FULL, MAX_ELEMENTS, REGISTRY, Account, NonceAhead,
                                       PyChecks, RegistryError, TxRejected, TxType, by_id, get, register)
from prozchain.circuits.txtypes import builtin  # noqa: F401  (registers noop, deposit, transfer, withdraw)
from prozchain.circuits.txtypes.accounts import AccountTree, leaf_hash
from prozchain.circuits.txtypes.batch import (BatchCircuit, Slot, Tx, apply_tx, data_hash, decode_batch, encode_batch, undo,
                                    sign_tx)

__all__ = ["Account", "AccountTree", "BALANCE_BITS", "BatchCircuit", "EMPTY", "FULL", "MAX_ELEMENTS", "NonceAhead", "PyChecks",
           "REGISTRY", "RegistryError", "Slot", "Tx", "TxRejected", "TxType", "apply_tx", "by_id", "data_hash",
           "decode_batch", "encode_batch", "get", "leaf_hash", "register", "sign_tx", "undo"]
