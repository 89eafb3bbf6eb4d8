"""The token and escrow contracts, deposits, withdrawals and fees."""

from __future__ import annotations

from prozchain.rollup.vm import BRIDGE, FEE_VAULT, Deposit
from prozchain.rollup.vm.examples import ESCROW, TOKEN, token_storage
from prozchain.rollup.vm.state import (WITHDRAWAL_COUNT_KEY, addr_int, withdrawal_commitment,
                             withdrawal_key)

from .helpers import ALICE, BOB, CAROL, call, machine, run

TOKEN_AT, ESCROW_AT = "0x" + "70" * 20, "0x" + "e5" * 20


def token_balance(ex, world, holder) -> int:
    from prozchain.rollup.vm.state import mapping_slot
    return ex.storage(world, TOKEN_AT, mapping_slot(addr_int(holder), 0))


def test_token_transfers_and_refuses_overdrafts():
    ex, world = machine({TOKEN_AT: TOKEN}, token_storage(TOKEN_AT, {ALICE.address: 100}))
    trace = run(ex, world, [call(ALICE, TOKEN_AT, 1, addr_int(BOB.address), 30),
                            call(BOB, TOKEN_AT, 1, addr_int(CAROL.address), 31),   # has only 30
                            call(BOB, TOKEN_AT, 1, addr_int(CAROL.address), 10, nonce=1)])
    world = trace.final.world
    assert [token_balance(ex, world, k.address) for k in (ALICE, BOB, CAROL)] == [70, 20, 10]


def test_escrow_pays_once_to_the_right_party():
    ex, world = machine({ESCROW_AT: ESCROW})
    bob, carol = addr_int(BOB.address), addr_int(CAROL.address)
    trace = run(ex, world, [
        call(ALICE, ESCROW_AT, 1, bob, carol, value=500),          # escrow 0: alice -> bob, carol arbiter
        call(ALICE, ESCROW_AT, 1, bob, carol, value=70, nonce=1),  # escrow 1
        call(BOB, ESCROW_AT, 2, 0),                                # the payee cannot release
        call(CAROL, ESCROW_AT, 2, 0),                              # the arbiter releases to bob
        call(ALICE, ESCROW_AT, 2, 0, nonce=2),                     # already paid
        call(BOB, ESCROW_AT, 3, 1, nonce=1),                       # the payee refunds escrow 1
    ])
    world = trace.final.world
    assert ex.balance(world, BOB.address) == 10**18 + 500
    assert ex.balance(world, ALICE.address) == 10**18 - 500
    assert ex.balance(world, ESCROW_AT) == 0


def test_deposits_credit_and_withdrawals_leave_records():
    ex, world = machine()
    deposits = [Deposit(0, ALICE.address, 7), Deposit(1, BOB.address, 9)]
    trace = run(ex, world, [call(ALICE, "0x" + BRIDGE.to_bytes(20, "big").hex(), value=5)], deposits)
    world = trace.final.world
    assert ex.balance(world, BOB.address) == 10**18 + 9
    assert ex.balance(world, ALICE.address) == 10**18 + 7 - 5
    assert ex.db.get(world, WITHDRAWAL_COUNT_KEY) == 1
    assert ex.db.get(world, withdrawal_key(0)) == withdrawal_commitment(addr_int(ALICE.address), 5)


def test_fees_are_conserved():
    ex, world = machine({TOKEN_AT: TOKEN}, token_storage(TOKEN_AT, {ALICE.address: 100}))
    txs = [call(ALICE, TOKEN_AT, 1, addr_int(BOB.address), 30, gas_price=7),
           call(BOB, CAROL.address, value=3, gas_price=11)]
    world = run(ex, world, txs).final.world
    holders = [ALICE.address, BOB.address, CAROL.address, "0x" + FEE_VAULT.to_bytes(20, "big").hex()]
    assert sum(ex.balance(world, h) for h in holders) == 3 * 10**18
    assert ex.balance(world, holders[3]) > 0
