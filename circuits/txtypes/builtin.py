"""The rollup's own transaction types: noop (padding), deposit, transfer, withdraw, and
full_exit, the operator's answer to a forced withdrawal requested on L1.

Amounts and balances are in L2 units (the rollup contract says how many wei one is) and fit in
64 bits; indices are 4 bytes; fees 4 bytes, paid to the aggregator on L1.

>>> deposit = REGISTRY["deposit"]
>>> deposit.update_b(PyChecks(deposit), {"to": 3, "amount": 50, "ax": 7, "ay": 8}, EMPTY)
Account(ax=7, ay=8, balance=50, nonce=0)
"""

from __future__ import annotations

from prozchain.circuits.txtypes.registry import BALANCE_BITS, EMPTY, FULL, REGISTRY, PyChecks, TxType, register

__all__ = ["EMPTY", "PyChecks", "REGISTRY"]


def _credit(checks, account, amount):
    checks.range(account.balance + amount, BALANCE_BITS, "the receiver's balance would overflow")
    return account.replace(balance=account.balance + amount)


def _debit(checks, account, amount, fee):
    checks.range(account.balance - amount - fee, BALANCE_BITS, "the sender's balance does not cover amount + fee")
    return account.replace(balance=account.balance - amount - fee)  # the framework bumps the signer's nonce


def _deposit_to(checks, f, b):
    # a fresh account (key 0) takes the depositor's key; an existing one must hold that key
    checks.equal(b.ax * (b.ax - f["ax"]), 0, "the account holds another key")
    checks.equal(b.ay * (b.ay - f["ay"]), 0, "the account holds another key")
    return _credit(checks, b.replace(ax=f["ax"], ay=f["ay"]), f["amount"])


def _exit_all(checks, f, a):
    # unsigned on L2: the L1 owner's request authorises it (the contract matches it to the
    # request), and the circuit holds it to the whole balance, so the operator cannot shave it
    checks.equal(a.balance, f["amount"], "a full exit moves the whole balance")
    return a.replace(balance=a.balance - f["amount"])


def _receive(checks, f, b):
    checks.nonzero(b.ax, "the receiver account does not exist (no key)")
    return _credit(checks, b, f["amount"])


register(TxType("noop", 0))
register(TxType("deposit", 1, (("to", 4), ("amount", 8), ("ax", FULL), ("ay", FULL)), b="to",
                update_b=_deposit_to, l1="deposit"))
register(TxType("transfer", 2, (("from", 4), ("to", 4), ("amount", 8), ("fee", 4)), a="from", b="to",
                signers=1, update_a=lambda c, f, a: _debit(c, a, f["amount"], f["fee"]), update_b=_receive,
                fee="fee"))
register(TxType("withdraw", 3, (("from", 4), ("amount", 8), ("fee", 4), ("to", 20)), a="from", signers=1,
                update_a=lambda c, f, a: _debit(c, a, f["amount"], f["fee"]), l1="withdraw", fee="fee"))
register(TxType("full_exit", 4, (("account", 4), ("amount", 8), ("request", 4)), a="account",
                update_a=_exit_all, l1="full_exit"))
