"""A cross-domain message: who sent it on which source, to whom, with what, and its identity.

An L2-to-L1 message is recorded by the VM at ``message_key(sender, nonce)`` with
``message_commitment(target, data, gas)`` (:mod:`prozchain.rollup.vm.state`), both hashed as the
source's world is (:attr:`Message.scheme`, keccak unless the source commits with Poseidon); on L1 its
identity is :attr:`Message.hash`, which also names the route and the source contract, so one
message of one rollup can never pass for another's.

>>> m = Message(1, "0x" + "aa" * 20, "0x" + "bb" * 20, 0, "0x" + "cc" * 20, (1, 2, 3, 4), 50_000)
>>> m.hash == Message(1, "0x" + "aa" * 20, "0x" + "bb" * 20, 1, "0x" + "cc" * 20, (1, 2, 3, 4), 50_000).hash
False
>>> m.commitment == message_commitment(0xcc * sum(256**i for i in range(20)), (1, 2, 3, 4), 50_000)
True
"""

from __future__ import annotations

from dataclasses import dataclass

from prozchain.rollup.l1.crypto import address_bytes, keccak256, to_address
from prozchain.rollup.vm.codec import rlp_encode
from prozchain.rollup.vm.merkle import KECCAK, Commitment
from prozchain.rollup.vm.state import addr_int, message_commitment, message_key


@dataclass(frozen=True)
class Message:
    """Message ``nonce`` of ``sender`` (an L2 contract) on the source ``source`` of ``route``,
    calling ``target`` on L1 with ``data`` words and at least ``gas``."""

    route: int
    source: str
    sender: str
    nonce: int
    target: str
    data: tuple[int, ...]
    gas: int
    scheme: Commitment = KECCAK
    """How the source's world hashes (its :attr:`key` and :attr:`commitment`; not part of :attr:`hash`)."""

    def encode(self) -> bytes:
        return rlp_encode([self.route, address_bytes(to_address(self.source)), address_bytes(to_address(self.sender)),
                           self.nonce, address_bytes(to_address(self.target)), list(self.data), self.gas])

    @property
    def hash(self) -> bytes:
        return keccak256(self.encode())

    @property
    def key(self) -> bytes:
        """Where the source's world records it."""
        return message_key(addr_int(self.sender), self.nonce, self.scheme)

    @property
    def commitment(self) -> int:
        """What the source's world holds at :attr:`key`."""
        return message_commitment(addr_int(self.target), self.data, self.gas, self.scheme)
