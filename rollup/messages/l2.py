"""L2 contracts (VM assembly) that send messages to L1 through the messenger.

**Bridge** ``1 send(l1_target, recipient, l1_gas)`` with value: keeps the value (locked on L2)
and sends ``(recipient, amount, 0, 0)`` to ``l1_target`` with ``l1_gas``; returns the message's
nonce and logs ``recipient, amount``. Its L1 partner is :class:`~prozchain.rollup.messages.contracts.vault.Vault`.

**Echo** ``1 ping(l1_target, word, l1_gas)`` sends ``(word, 0, 0, 0)`` to L1; ``2 pong(word)``
(called from L1 by a message) stores its caller in slot 0 and ``word`` in slot 1, and logs them.

>>> from prozchain.rollup.vm.isa import disassemble
>>> disassemble(BRIDGE_CODE[10])
'CALL r7, r0, r0'
"""

from __future__ import annotations

from prozchain.rollup.vm.isa import assemble
from prozchain.rollup.vm.state import MESSENGER

_SEND = f"""
    SET r4, 0
    SET r5, 0
    SET r0, 0
    SET r7, {MESSENGER}
    CALL r7, r0, r0       # records message (r1 target, r2..r5 data, r6 gas); r0 = its nonce
"""

BRIDGE_SOURCE = f"""
    SET r7, 1
    EQ r7, r0, r7
    JUMPI r7, send
    REVERT
send:                     # r1 = L1 target, r2 = recipient, r3 = L1 gas
    MOV r6, r3
    ENV r3, 1             # amount = the value sent
{_SEND}
    LOG r2, r3
    RET r0
"""

ECHO_SOURCE = f"""
    SET r7, 1
    EQ r6, r0, r7
    JUMPI r6, ping
    SET r7, 2
    EQ r6, r0, r7
    JUMPI r6, pong
    REVERT
ping:                     # r1 = L1 target, r2 = word, r3 = L1 gas
    MOV r6, r3
    SET r3, 0
{_SEND}
    RET r0
pong:                     # r1 = word, from L1
    ENV r2, 0
    SET r3, 0
    SSTORE r3, r2
    SET r3, 1
    SSTORE r3, r1
    LOG r2, r1
    RET r1
"""

BRIDGE_CODE = assemble(BRIDGE_SOURCE)
ECHO_CODE = assemble(ECHO_SOURCE)
L2_BRIDGE = "0x" + "b7" * 20
L2_ECHO = "0x" + "ec" * 20
