"""L1 receivers of messages: contracts that trust one L2 contract, through the messenger.

- :class:`Vault` holds ether on L1 for an L2 bridge contract (:data:`~prozchain.rollup.messages.l2.L2_BRIDGE`)
  and releases ``amount`` to ``recipient`` when that contract says so (data words
  ``(recipient, amount, 0, 0)``); what it releases is what the L2 contract locked.
- :class:`Forwarder` answers a message from its L2 contract with a message back to it through
  the portal (call forwarding L2 → L1 → L2): it sends ``(2, word + 1)`` to the L2 sender, which
  sees this contract's alias as its caller.

Both check the caller is the messenger *and* the messenger's ``xsender`` is their L2 contract:
the first alone would let any L2 contract speak for the trusted one.

>>> sorted(Vault.methods), sorted(Forwarder.methods)
(['fund', 'on_message', 'released'], ['on_message'])
"""

from __future__ import annotations

from prozchain.rollup.common.words import addr
from prozchain.rollup.l1 import Address, Contract, external


class _Receiver(Contract):
    def _trusted(self) -> None:
        messenger = addr(self.load("messenger"))
        self.require(self.sender == messenger, "only the messenger calls on_message")
        self.require(self.call(messenger, "xsender") == addr(self.load("l2_sender")),
                     "the message does not come from the trusted L2 contract")


class Vault(_Receiver):
    def constructor(self, messenger: Address, l2_sender: Address) -> None:
        self.store("messenger", value=int(messenger, 16))
        self.store("l2_sender", value=int(l2_sender, 16))

    @external(payable=True)
    def fund(self) -> None:
        """Add escrow (what backs the L2 contract's balance)."""
        self.emit("Funded", self.sender, args=(self.sender, self.value))

    @external
    def on_message(self, words: list[int]) -> None:
        self._trusted()
        recipient, amount = addr(words[0] % 2**160), words[1]
        self.require(self.balance_of(self.address) >= amount, f"the vault holds less than {amount}")
        self.store("released", value=self.load("released") + amount)
        self.emit("Released", recipient, args=(recipient, amount))
        self.transfer(recipient, amount)

    @external
    def released(self) -> int:
        return self.load("released")


class Forwarder(_Receiver):
    def constructor(self, messenger: Address, l2_sender: Address, portal: Address) -> None:
        self.store("messenger", value=int(messenger, 16))
        self.store("l2_sender", value=int(l2_sender, 16))
        self.store("portal", value=int(portal, 16))

    @external
    def on_message(self, words: list[int]) -> None:
        self._trusted()
        self.emit("Forwarded", args=(words[0],))
        self.call(addr(self.load("portal")), "send_message", addr(self.load("l2_sender")), [2, words[0] + 1], 50_000)
