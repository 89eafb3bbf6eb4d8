"""Example contracts in the VM's assembly: a token, an escrow, and the fee vault's program.

Calling convention: ``r0`` is the method number, ``r1..`` the arguments; ``RET`` returns
one word. Maps live at ``HASH(key, map_id)`` (see :func:`prozchain.rollup.vm.state.mapping_slot`).

**Token** (map 0: balances): ``1 transfer(to, amount)``, ``2 balance_of(owner)``. Genesis
balances are written with :func:`token_storage`. Emits ``TRANSFER_TOPIC`` with the amount.

**Escrow** (slot 0: count; maps 1..4 by id: payer, payee, arbiter, amount):
``1 open(payee, arbiter)`` with value returns the escrow id; ``2 release(id)`` by the payer
or the arbiter pays the payee; ``3 refund(id)`` by the arbiter or the payee pays the payer.
Each escrow pays out once.

**Bounty** (slot 0: ``HASH(answer, 0)``, :func:`bounty_storage`): ``1 claim(answer)`` pays the
whole balance to the first caller with the committed answer, once: what front-running
scenarios fight over.

**Fee vault** (slot 0: the distributor): ``1 pay(to, amount)`` sends ``amount`` of the vault's
fees to ``to``, called by the distributor only. Installed at
:data:`~prozchain.rollup.vm.state.FEE_VAULT` (:func:`fee_vault_genesis`), it makes the fees
the machine collects there withdrawable, by the payouts the fee ledger records.

>>> len(TOKEN) > 10 and len(ESCROW) > 10
True
"""

from __future__ import annotations

from typing import Mapping

from prozchain.rollup.vm.isa import assemble
from prozchain.rollup.vm.merkle import KECCAK, Commitment
from prozchain.rollup.vm.state import FEE_VAULT, addr_int, mapping_slot

TRANSFER_TOPIC = 0x7472616E73666572  # "transfer"

TOKEN_SOURCE = f"""
    SET r7, 1
    EQ r6, r0, r7
    JUMPI r6, transfer
    SET r7, 2
    EQ r6, r0, r7
    JUMPI r6, balance_of
    REVERT
transfer:                 # r1 = to, r2 = amount
    ENV r3, 0             # caller
    SET r7, 0
    HASH r4, r3, r7       # balances[caller]
    SLOAD r5, r4
    LT r6, r5, r2
    JUMPI r6, fail
    SUB r5, r5, r2
    SSTORE r4, r5
    HASH r4, r1, r7       # balances[to]
    SLOAD r5, r4
    ADD r5, r5, r2
    SSTORE r4, r5
    SET r7, {TRANSFER_TOPIC}
    LOG r7, r2
    SET r0, 1
    RET r0
fail:
    REVERT
balance_of:               # r1 = owner
    SET r7, 0
    HASH r4, r1, r7
    SLOAD r5, r4
    RET r5
"""

NEW_ID = """\
    SET r7, 0
    SLOAD r3, r7          # id = count
    SET r6, 1
    ADD r4, r3, r6
    SSTORE r7, r4         # count = id + 1
"""
"""Assembly that allocates the next id of a contract whose slot 0 counts them: ``r3`` = the
new id, ``r6`` = 1 (shared by the contracts that keep records by id)."""


def pay_once(amount_map: int) -> str:
    """Assembly ending a contract: ``pay`` sends ``amount[r1]`` (map ``amount_map``) to the
    address in map ``r6`` at id ``r1``, once (it zeroes the amount first; a zero amount, paid
    out already or never there, reverts through ``fail``)."""
    return f"""\
pay:                      # r1 = id, r6 = map of the party to pay
    HASH r7, r1, r6
    SLOAD r2, r7          # to
    SET r6, {amount_map}
    HASH r7, r1, r6
    SLOAD r3, r7          # amount
    ISZERO r5, r3
    JUMPI r5, fail        # paid out already (or no such record)
    SET r4, 0
    SSTORE r7, r4
    CALL r2, r3, r0
    RET r3
fail:
    REVERT
"""


ESCROW_SOURCE = f"""
    SET r7, 1
    EQ r6, r0, r7
    JUMPI r6, open
    SET r7, 2
    EQ r6, r0, r7
    JUMPI r6, release
    SET r7, 3
    EQ r6, r0, r7
    JUMPI r6, refund
    REVERT
open:                     # r1 = payee, r2 = arbiter; value is the amount
    ENV r5, 1
    ISZERO r6, r5
    JUMPI r6, fail
{NEW_ID}    ENV r4, 0
    HASH r7, r3, r6       # payer[id]
    SSTORE r7, r4
    SET r6, 2
    HASH r7, r3, r6       # payee[id]
    SSTORE r7, r1
    SET r6, 3
    HASH r7, r3, r6       # arbiter[id]
    SSTORE r7, r2
    SET r6, 4
    HASH r7, r3, r6       # amount[id]
    SSTORE r7, r5
    RET r3
release:                  # r1 = id; the payer or the arbiter pays the payee
    ENV r3, 0
    SET r6, 1
    HASH r7, r1, r6
    SLOAD r4, r7          # payer
    EQ r5, r3, r4
    SET r6, 3
    HASH r7, r1, r6
    SLOAD r4, r7          # arbiter
    EQ r4, r3, r4
    OR r5, r5, r4
    ISZERO r5, r5
    JUMPI r5, fail
    SET r6, 2
    JUMP pay
refund:                   # r1 = id; the arbiter or the payee pays the payer
    ENV r3, 0
    SET r6, 2
    HASH r7, r1, r6
    SLOAD r4, r7          # payee
    EQ r5, r3, r4
    SET r6, 3
    HASH r7, r1, r6
    SLOAD r4, r7          # arbiter
    EQ r4, r3, r4
    OR r5, r5, r4
    ISZERO r5, r5
    JUMPI r5, fail
    SET r6, 1
{pay_once(4)}"""

FEE_VAULT_SOURCE = """
    SET r7, 1
    EQ r6, r0, r7
    JUMPI r6, pay
    REVERT
pay:                      # r1 = to, r2 = amount; the distributor only
    ENV r3, 0
    SET r7, 0
    SLOAD r4, r7
    EQ r5, r3, r4
    ISZERO r5, r5
    JUMPI r5, fail
    CALL r1, r2, r0
    RET r2
fail:
    REVERT
"""

BOUNTY_SOURCE = """
    SET r7, 1
    EQ r6, r0, r7
    JUMPI r6, claim
    REVERT
claim:                    # r1 = answer; slot 0 holds HASH(answer, 0)
    SET r7, 0
    HASH r4, r1, r7
    SLOAD r5, r7
    EQ r6, r4, r5
    ISZERO r6, r6
    JUMPI r6, fail
    ENV r3, 2
    BALANCE r2, r3
    ISZERO r6, r2
    JUMPI r6, fail        # claimed already
    ENV r3, 0
    CALL r3, r2, r0
    RET r2
fail:
    REVERT
"""

TOKEN = assemble(TOKEN_SOURCE)
ESCROW = assemble(ESCROW_SOURCE)
BOUNTY = assemble(BOUNTY_SOURCE)
FEE_VAULT_CODE = assemble(FEE_VAULT_SOURCE)
FEE_VAULT_ADDRESS = f"0x{FEE_VAULT:040x}"


def token_storage(token: str, balances: Mapping[str, int],
                  scheme: Commitment = KECCAK) -> dict[tuple[str, int], int]:
    """Genesis storage giving each holder its token balance (slots as ``HASH`` computes them
    with the deployment's ``scheme``)."""
    return {(token, mapping_slot(addr_int(holder), 0, scheme)): amount for holder, amount in balances.items()}


def fee_vault_genesis(distributor: str) -> tuple[dict[str, list[int]], dict[tuple[str, int], int]]:
    """Genesis ``(code, storage)`` installing the fee vault's program with ``distributor``.

    >>> code, storage = fee_vault_genesis("0x" + "ab" * 20)
    >>> list(code) == [FEE_VAULT_ADDRESS], storage[(FEE_VAULT_ADDRESS, 0)] == 0xab * (256**20 - 1) // 255
    (True, True)
    """
    return {FEE_VAULT_ADDRESS: FEE_VAULT_CODE}, {(FEE_VAULT_ADDRESS, 0): addr_int(distributor)}


def bounty_storage(bounty: str, answer: int) -> dict[tuple[str, int], int]:
    """The genesis storage of a bounty at ``bounty`` paying for ``answer``."""
    return {(bounty, 0): mapping_slot(answer, 0)}
