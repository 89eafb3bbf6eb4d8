"""An ERC-20-like token on the L1, for bridging tokens besides ether.

>>> from prozchain.rollup.l1 import Chain, Key
>>> alice, bob = Key.from_seed(b"alice"), Key.from_seed(b"bob")
>>> chain = Chain({alice.address: 10**18, bob.address: 10**18})
>>> token, _ = chain.deploy(alice, Token, 100)
>>> chain.transact(alice, token, "transfer", bob.address, 30).status, chain.view(token, "balance_of", bob.address)
(True, 30)
"""

from __future__ import annotations

from prozchain.rollup.l1 import Address, Contract, external


class Token(Contract):
    def constructor(self, supply: int) -> None:
        self.store("balance", self.sender, value=supply)

    @external
    def balance_of(self, owner: Address) -> int:
        return self.load("balance", owner)

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
