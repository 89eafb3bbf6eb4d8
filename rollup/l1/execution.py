"""Running one transaction: call frames, value transfers, metering, nested snapshots.

One :class:`Execution` exists per transaction (and per read-only ``Chain.view``). Every call
takes a journal snapshot; a :class:`Revert` rolls back to it and propagates to the caller,
which may catch it (``Contract.try_call``) or let it propagate. A Python exception in contract
code becomes such a revert (a Solidity "panic"). Exceptional halts (out of gas, precompile
failure) abort the whole transaction.

Nested calls are metered as in the EVM (EIP-150): a call forwards at most all but one 64th of
the gas left, a value transfer adds the 2,300 stipend, and an exceptional halt (out of gas, a
failing precompile) inside a call ends that call only: it spends what it was given, its state
is undone, and the caller sees a failed call. Simplification on purpose: Python computation is
free; only the operations listed in :mod:`prozchain.rollup.l1.gas` are charged.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Optional, Sequence

from prozchain.native.backend import Backend
from prozchain.rollup.l1 import abi
from prozchain.rollup.l1 import gas as G
from prozchain.rollup.l1.contract import Contract
from prozchain.rollup.l1.crypto import Address
from prozchain.rollup.l1.errors import ABIError, ExceptionalHalt, Revert
from prozchain.rollup.l1.precompiles import precompile_at
from prozchain.rollup.l1.state import State

MAX_CALL_DEPTH = 1024
PRECOMPILE_ADDRESSES = tuple(f"0x{n:040x}" for n in range(1, 11))


@dataclass(frozen=True)
class Frame:
    """``msg`` of one call: who called, with how much value, on which contract."""

    sender: Address
    to: Address
    value: int


class Execution:
    """The context of one transaction; contracts reach it through ``Contract.env``."""

    def __init__(self, state: State, meter: G.GasMeter, backend_source, block_number: int,
                 timestamp: int, origin: Address, blob_hashes: Sequence[bytes] = (),
                 block_hashes: Sequence[bytes] = ()) -> None:
        self.state = state
        self.block_hashes = block_hashes  # of blocks 0, 1, ... before this one (BLOCKHASH)
        self.meter = meter
        self._backend_source = backend_source
        self.block_number = block_number
        self.timestamp = timestamp
        self.origin = origin
        self.blob_hashes = list(blob_hashes)
        self.frames: list[Frame] = []
        for address in PRECOMPILE_ADDRESSES + (origin,):
            state.touch_account(address)

    @property
    def frame(self) -> Frame:
        return self.frames[-1]

    @property
    def backend(self) -> Backend:
        return self._backend_source()

    # -- storage ----------------------------------------------------------------------------
    def sload(self, address: Address, slot: int) -> int:
        cold = self.state.touch_slot(address, slot)
        self.meter.charge(G.COLD_SLOAD if cold else G.WARM_ACCESS, "SLOAD")
        return self.state.load(address, slot)

    def sstore(self, address: Address, slot: int, value: int) -> None:
        if self.meter.remaining <= G.SSTORE_SENTRY:
            self.meter.charge(self.meter.remaining + 1, "SSTORE with no more than the 2,300 sentry left")
        cold = self.state.touch_slot(address, slot)
        cost, refund = G.sstore_cost(self.state.original(address, slot),
                                     self.state.load(address, slot), value, cold)
        self.meter.charge(cost, "SSTORE")
        if refund:
            self.state.add_refund(refund)
        self.state.store(address, slot, value)

    def balance(self, address: Address) -> int:
        cold = self.state.touch_account(address)
        self.meter.charge(G.COLD_ACCOUNT_ACCESS if cold else G.WARM_ACCESS, "BALANCE")
        return self.state.balance(address)

    # -- calls ------------------------------------------------------------------------------
    def call(self, sender: Address, to: Address, value: int, method: Optional[str],
             args: Sequence[Any], gas: Optional[int] = None) -> Any:
        """A nested CALL from a contract: access and value costs, then :meth:`enter` with at
        most ``gas`` (default: all it may forward). A halt inside becomes a :class:`Revert`."""
        cold = self.state.touch_account(to)
        cost = G.COLD_ACCOUNT_ACCESS if cold else G.WARM_ACCESS
        if value:
            cost += G.CALL_VALUE
            if self.state.is_empty(to):
                cost += G.NEW_ACCOUNT
        self.meter.charge(cost, f"CALL {to}")
        forwarded = G.max_call_gas(self.meter.remaining)
        if gas is not None:
            forwarded = min(forwarded, gas)
        try:
            with self.meter.call_frame(forwarded, G.CALL_STIPEND if value else 0):
                return self.enter(sender, to, value, method, args)
        except ExceptionalHalt as exc:
            raise Revert(f"call to {to} failed: {type(exc).__name__}: {exc}") from exc

    def enter(self, sender: Address, to: Address, value: int, method: Optional[str],
              args: Sequence[Any]) -> Any:
        """Run a call frame; on :class:`Revert` undo everything it did and re-raise."""
        with self._frame(sender, to, value):
            return self._dispatch(to, value, method, args)

    def create(self, sender: Address, address: Address, contract: Contract, value: int,
               args: Sequence[Any]) -> None:
        """Install ``contract`` at ``address`` and run its constructor in a frame of its own."""
        with self._frame(sender, address, value):
            self.state.set_code(address, contract)
            self.state.increment_nonce(address)  # EIP-161: a new contract starts at nonce 1
            contract.constructor(*args)

    @contextmanager
    def _frame(self, sender: Address, to: Address, value: int) -> Iterator[None]:
        if len(self.frames) >= MAX_CALL_DEPTH:
            raise Revert("call depth limit reached")
        mark = self.state.snapshot()
        self.frames.append(Frame(sender, to, value))
        try:
            self._move_value(sender, to, value)
            yield
        except Revert:
            self.state.revert(mark)
            raise
        except ExceptionalHalt:
            self.state.revert(mark)
            raise
        except Exception as exc:
            # A Python error in contract code is what Solidity calls a panic: the frame reverts.
            self.state.revert(mark)
            raise Revert(f"panic: {type(exc).__name__}: {exc}") from exc
        finally:
            self.frames.pop()

    def _move_value(self, sender: Address, to: Address, value: int) -> None:
        if not value:
            return
        if self.state.balance(sender) < value:
            raise Revert(f"{sender} cannot send {value}: balance {self.state.balance(sender)}")
        self.state.add_balance(sender, -value)
        self.state.add_balance(to, value)

    def _dispatch(self, to: Address, value: int, method: Optional[str], args: Sequence[Any]) -> Any:
        precompile = precompile_at(to)
        if precompile is not None:
            (data,) = args or (b"",)
            self.meter.charge(precompile.gas(data), precompile.name)
            return precompile.run(data, self.backend)
        contract: Optional[Contract] = self.state.code.get(to)
        if contract is None:
            if method is not None:
                raise Revert(f"call of {method} on {to}, which has no code")
            return None
        name = method if method is not None else "receive"
        spec = contract.methods.get(name)
        if spec is None:
            raise Revert(f"{type(contract).__name__} has no external method {name!r}")
        if value and not spec.payable:
            raise Revert(f"{type(contract).__name__}.{name} is not payable")
        return getattr(contract, name)(*args)

    def enter_with_calldata(self, sender: Address, to: Address, value: int, data: bytes) -> Any:
        """A transaction's top-level call: decode the selector and ABI arguments of ``data``."""
        if precompile_at(to) is not None:
            return self.enter(sender, to, value, None, (data,))
        contract = self.state.code.get(to)
        if contract is None or not data:
            return self.enter(sender, to, value, None, ())
        spec = contract.by_selector.get(data[:4])
        if spec is None:
            raise Revert(f"{type(contract).__name__} has no method with selector {data[:4].hex()}")
        try:
            args = abi.decode(spec.types, data[4:])
        except ABIError as exc:
            raise Revert(f"bad calldata for {spec.name}: {exc}") from exc
        return self.enter(sender, to, value, spec.name, args)

