"""The enterprise sidechain's exits on L1: the validator quorum commits each checkpoint's exits
root (:mod:`~prozchain.rollup.sidechain.node.exits`), and a withdrawal is paid on a Groth16
proof that it is in that root, verified by pairing through the shared verifier contract
(:mod:`prozchain.rollup.l1.groth16`). The bridge pays it (``release_exit``), sharing its
paid-once record with the public withdrawal path.

>>> sorted(m for m in PrivateExits.methods if m != "constructor")
['commit_exits', 'exit', 'exits_root']
"""

from __future__ import annotations

from prozchain.rollup.common.words import addr, b32
from prozchain.rollup.l1 import Address, Contract, external
from prozchain.rollup.sidechain.node.exits import exits_digest
from prozchain.rollup.vm.state import addr_int


class PrivateExits(Contract):
    def constructor(self, bridge: Address, client: Address, verifier: Address) -> None:
        for name, value in (("bridge", bridge), ("client", client), ("verifier", verifier)):
            self.store(name, value=int(value, 16))

    @external
    def commit_exits(self, number: int, root: int, sigs: list[bytes]) -> None:
        """Store ``root`` as checkpoint ``number``'s exits root, on a quorum of the bridge keys
        over :func:`~prozchain.rollup.sidechain.node.exits.exits_digest` (the checkpoint's world
        included, so a root signed for a deleted checkpoint serves no other)."""
        bridge, client = addr(self.load("bridge")), addr(self.load("client"))
        cp = self.call(bridge, "checkpoint", number)
        self.require(self.call(bridge, "acceptable", cp.world), f"checkpoint {number} is not confirmed")
        digest = exits_digest(self.address, number, cp.world, root)
        power = self.call(client, "verify", digest, cp.epoch, list(sigs))
        self.require(power >= self.call(client, "quorum", cp.epoch), "the exits root lacks a quorum of signatures")
        self.store("root", number, value=root)
        self.emit("ExitsCommitted", number, args=(number, root))

    @external
    def exits_root(self, number: int) -> int:
        return self.load("root", number)

    @external
    def exit(self, number: int, index: int, recipient: Address, amount: int, proof: list[int]) -> None:
        """Pay withdrawal ``index`` on a proof that ``(index, recipient, amount)`` is in checkpoint
        ``number``'s committed exits root."""
        root = self.load("root", number)
        self.require(root != 0, f"no exits root committed for checkpoint {number}")
        bridge = addr(self.load("bridge"))
        world = self.call(bridge, "checkpoint", number).world
        self.require(self.call(bridge, "acceptable", world), f"checkpoint {number} is no longer confirmed")
        ok = self.call(addr(self.load("verifier")), "verify", [root, index, addr_int(recipient), amount], list(proof))
        self.require(ok, "the exit proof does not verify")
        self.call(bridge, "release_exit", index, recipient, amount)
        self.emit("Exited", index, recipient, data=b32(amount), args=(index, recipient, amount, number))
