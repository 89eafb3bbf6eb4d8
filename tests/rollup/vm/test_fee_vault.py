"""The fee vault's program: the fees the machine collects at FEE_VAULT are paid out by the
distributor only."""

from __future__ import annotations

from prozchain.rollup.l1 import Key
from prozchain.rollup.vm import Executor, L2Tx
from prozchain.rollup.vm.examples import FEE_VAULT_ADDRESS, fee_vault_genesis

DISTRIBUTOR, USER = Key.from_seed(b"vault-distributor"), Key.from_seed(b"vault-user")


def test_fees_collect_in_the_vault_and_only_the_distributor_pays_them_out():
    code, storage = fee_vault_genesis(DISTRIBUTOR.address)
    ex = Executor()
    world = ex.genesis({DISTRIBUTOR.address: 10**18, USER.address: 10**18, FEE_VAULT_ADDRESS: 0}, code, storage)
    paying = L2Tx(0, DISTRIBUTOR.address, 5, gas_limit=2_000, gas_price=7).sign(USER).encode()
    world = ex.run(ex.start(world, 0, [], [paying])).final.world
    assert ex.balance(world, FEE_VAULT_ADDRESS) == 14_000
    theft = L2Tx(1, FEE_VAULT_ADDRESS, 0, args=(1, int(USER.address, 16), 14_000), gas_limit=5_000,
                 gas_price=1).sign(USER).encode()
    payout = L2Tx(0, FEE_VAULT_ADDRESS, 0, args=(1, int(USER.address, 16), 10_000), gas_limit=5_000,
                  gas_price=1).sign(DISTRIBUTOR).encode()
    after = ex.run(ex.start(world, 1, [], [theft, payout])).final.world
    spent = {k.address: ex.balance(world, k.address) - ex.balance(after, k.address) for k in (USER, DISTRIBUTOR)}
    theft_gas = spent[USER.address] + 10_000  # the user was paid 10000; its reverted call still paid gas
    assert theft_gas > 2_000 and spent[DISTRIBUTOR.address] > 2_000
    assert ex.balance(after, FEE_VAULT_ADDRESS) == 14_000 - 10_000 + theft_gas + spent[DISTRIBUTOR.address]
