"""Small contracts the L1 tests deploy."""

from __future__ import annotations

from prozchain.rollup.l1 import Address, Contract, external


class Slot(Contract):
    """One storage word, writable in several patterns to exercise SSTORE pricing."""

    @external
    def set(self, value: int) -> None:
        self.store("x", value=value)

    @external
    def set_twice(self, first: int, second: int) -> None:
        self.store("x", value=first)
        self.store("x", value=second)

    @external
    def log(self, value: int) -> None:
        self.emit("Logged", value, data=value.to_bytes(32, "big"))

    @external
    def hash(self, data: bytes) -> bytes:
        return self.keccak(data)


class Inner(Contract):
    @external(payable=True)
    def write(self, value: int) -> int:
        self.store("v", value=value)
        self.emit("InnerWrote", data=value.to_bytes(32, "big"), args=(value,))
        return value

    @external(payable=True)
    def write_then_revert(self, value: int) -> None:
        self.write(value)
        self.require(False, "inner says no")


class Outer(Contract):
    def constructor(self, inner: Address) -> None:
        self.store("inner", value=int(inner, 16))

    def _inner(self) -> str:
        return f"0x{self.load('inner'):040x}"

    @external(payable=True)
    def both_then_revert(self, value: int) -> None:
        """Writes here and in Inner, sends value along, then reverts everything."""
        self.store("mine", value=value)
        self.call(self._inner(), "write", value, value=self.value)
        self.require(False, "outer says no")

    @external(payable=True)
    def keep_mine_try_inner(self, value: int) -> bool:
        """Writes here, lets Inner write and revert, and commits its own part."""
        self.store("mine", value=value)
        self.emit("OuterWrote", data=value.to_bytes(32, "big"))
        ok, _ = self.try_call(self._inner(), "write_then_revert", value, value=self.value)
        return ok

    @external
    def pairing(self, data: bytes) -> bool:
        return self.precompile(8, data)[-1] == 1


class Buggy(Contract):
    """Python code with a bug in it: the chain must not half-apply its transaction."""

    @external
    def divide(self, by: int) -> int:
        self.store("x", value=1)
        return 1 // by


class Burner(Contract):
    """Spends gas on storage until it runs out (every slot a fresh 22,100-gas SSTORE)."""

    @external
    def burn(self) -> None:
        i = 0
        while True:
            self.store("slot", i, value=1)
            i += 1


class Guarded(Contract):
    """Calls a burner and survives its out-of-gas, keeping the 64th EIP-150 held back."""

    @external
    def call_burner(self, burner: Address, gas: int) -> bool:
        ok, _ = self.try_call(burner, "burn", gas=gas or None)
        self.emit("Survived", data=bytes(32))  # still affordable: the callee could not take all
        return ok
