"""An ERC-20-like token on the L1, and how a Layer 2 contract keeps value at a bank.

:class:`Token` is the asset every room may bridge besides ether. A Layer 2 contract (a rollup's
state contract, a portal, an adjudicator) holds ether itself unless it was deployed with a
*bank*: an L1 contract that keeps the escrow of one (token, layer) route for it, such as the
cross-layer asset registry. Then value comes in only from the bank (which has already
escrowed it) and goes out through ``bank.release(to, amount)``, which the bank judges against
the escrow of that contract's route. :func:`incoming` and :func:`pay_out` are the two points a
contract changes to work either way.

>>> from prozchain.rollup.l1 import Chain, Key
>>> alice, bob = Key.from_seed(b"alice"), Key.from_seed(b"bob")
>>> chain = Chain({alice.address: 10**18, bob.address: 10**18})
>>> token, _ = chain.deploy(alice, Token, 100)
>>> chain.transact(alice, token, "transfer", bob.address, 30).status, chain.view(token, "balance_of", bob.address)
(True, 30)
>>> chain.view(token, "total_supply")
100
"""

from __future__ import annotations

from prozchain.rollup.common.words import addr
from prozchain.rollup.l1.contract import Contract, external
from prozchain.rollup.l1.crypto import Address

NO_BANK = "0x" + "00" * 20  # the contract holds ether itself


class Token(Contract):
    def constructor(self, supply: int) -> None:
        self.store("balance", self.sender, value=supply)
        self.store("supply", value=supply)

    @external
    def balance_of(self, owner: Address) -> int:
        return self.load("balance", owner)

    @external
    def total_supply(self) -> int:
        return self.load("supply")

    @external
    def approve(self, spender: Address, amount: int) -> bool:
        self.store("allowance", self.sender, spender, value=amount)
        return True

    @external
    def transfer(self, to: Address, amount: int) -> bool:
        self._move(self.sender, to, amount)
        return True

    @external
    def transfer_from(self, owner: Address, to: Address, amount: int) -> bool:
        allowed = self.load("allowance", owner, self.sender)
        self.require(allowed >= amount, f"allowance {allowed} below {amount}")
        self.store("allowance", owner, self.sender, value=allowed - amount)
        self._move(owner, to, amount)
        return True

    def _move(self, owner: str, to: str, amount: int) -> None:
        have = self.load("balance", owner)
        self.require(have >= amount, f"balance {have} below {amount}")
        self.store("balance", owner, value=have - amount)
        self.store("balance", to, value=self.load("balance", to) + amount)
        self.emit("Transfer", owner, to, data=amount.to_bytes(32, "big"), args=(owner, to, amount))


def incoming(contract: Contract, amount: int) -> int:
    """The value a deposit into ``contract`` brings: ``msg.value`` when it holds ether itself
    (``amount`` must then be 0 or equal), else ``amount``, and only when its bank is the caller."""
    bank = addr(contract.load("bank"))
    if bank == NO_BANK:
        contract.require(amount in (0, contract.value), "an ether deposit's amount is its value")
        return contract.value
    contract.require(contract.sender == bank, "deposits come through the bank that escrows this route")
    contract.require(contract.value == 0, "a banked deposit carries no ether")
    return amount


def pay_out(contract: Contract, to: str, amount: int) -> None:
    """Pay ``amount`` to ``to`` from ``contract``'s own ether, or through its bank."""
    bank = addr(contract.load("bank"))
    if bank == NO_BANK:
        contract.transfer(to, amount)
    else:
        contract.call(bank, "release", to, amount)
