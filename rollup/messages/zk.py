"""Messages from the ZK rollup to L1: a transaction type, signed by its sender account.

The ZK rollup's L2 runs transaction types, not contracts, so a message is one: ``message``
(``from`` the sender's account, ``seq`` its message number, ``target`` on L1, ``payload`` a field
element committing to the data words and gas, :func:`payload`). The batch circuit checks the
sender's signature and bumps its nonce like any signed type; the rollup contract keeps the
keccak of each verified batch's data, so L1's messenger opens a message from the batch data
(``Messenger.relay_zk``). On L1 the sender is :func:`zk_sender` of its account index.

Register before use in every process that decodes ZK batches (importing this module does it).

>>> REGISTRY["message"].layout()[0]
[('', 1), ('from', 4), ('seq', 4), ('target', 20)]
>>> zk_sender(5)
'0x2c00000000000000000000000000000000000005'
"""

from __future__ import annotations

from prozchain.circuits.txtypes import FULL, REGISTRY, TxType, register
from prozchain.native.curve import R
from prozchain.rollup.l1.crypto import keccak256
from prozchain.rollup.vm.state import w32

MESSAGE_TYPE = 40
ZK_SENDER_BASE = 0x2C << 152


def zk_sender(index: int) -> str:
    """The L1 name of ZK account ``index`` as a message sender (accounts are not addresses)."""
    return f"0x{ZK_SENDER_BASE + index:040x}"


def payload(words: tuple[int, ...], gas: int) -> int:
    """The field element a message transaction carries for its data words and gas."""
    return int.from_bytes(keccak256(b"".join(w32(w) for w in words) + w32(gas)), "big") % R


register(TxType("message", MESSAGE_TYPE, (("from", 4), ("seq", 4), ("target", 20), ("payload", FULL)),
                a="from", signers=1))
