"""Contracts as Python classes: storage words, events, calls, all metered and revertible.

A contract keeps *all* its state in storage (``load``/``store``); attributes of the Python
object are not state and would escape reverts. Methods callable from outside are marked
``@external``; their type hints give their ABI types, so transactions carry real calldata.

>>> from prozchain.rollup.l1.chain import Chain
>>> from prozchain.rollup.l1.crypto import Key
>>> class Counter(Contract):
...     @external
...     def bump(self, by: int) -> int:
...         value = self.load("count") + by
...         self.store("count", value=value)
...         self.emit("Bumped", data=value.to_bytes(32, "big"), args=(value,))
...         return value
>>> alice = Key.from_seed(b"alice")
>>> chain = Chain({alice.address: 10**18})
>>> counter, _ = chain.deploy(alice, Counter)
>>> chain.transact(alice, counter, "bump", 2).return_value
2
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, NewType, Optional, Union

from prozchain.rollup.l1 import abi
from prozchain.rollup.l1 import gas as G
from prozchain.rollup.l1.crypto import Address, keccak256, to_address
from prozchain.rollup.l1.errors import Revert
from prozchain.rollup.l1.state import Log

if TYPE_CHECKING:
    from prozchain.rollup.l1.execution import Execution

Bytes32 = NewType("Bytes32", bytes)
"""Annotation for a 32-byte value (ABI ``bytes32``)."""

_ABI_OF_ANNOTATION = {int: "uint256", bool: "bool", Address: "address", Bytes32: "bytes32",
                      bytes: "bytes", str: "string"}


def abi_type(annotation: Any) -> str:
    """The ABI type of a parameter annotation (``list[int]`` is ``uint256[]``)."""
    if typing.get_origin(annotation) is list:
        (inner,) = typing.get_args(annotation)
        return abi_type(inner) + "[]"
    if annotation not in _ABI_OF_ANNOTATION:
        raise TypeError(f"no ABI type for annotation {annotation!r}")
    return _ABI_OF_ANNOTATION[annotation]


@dataclass(frozen=True)
class Method:
    """An external method: its name, ABI parameter types and whether it accepts value."""

    name: str
    types: tuple[str, ...]
    payable: bool

    @property
    def selector(self) -> bytes:
        return abi.selector(self.name, self.types)


def _signature(fn: Callable) -> tuple[str, ...]:
    hints = typing.get_type_hints(fn)
    hints.pop("return", None)
    return tuple(abi_type(h) for h in hints.values())


def external(fn: Optional[Callable] = None, *, payable: bool = False) -> Any:
    """Mark a method callable by transactions and other contracts (``payable`` to take value)."""
    def mark(f: Callable) -> Callable:
        f.__external__ = payable
        return f
    return mark(fn) if fn is not None else mark


@lru_cache(maxsize=None)
def storage_slot(name: str, keys: tuple) -> int:
    """The storage word of ``name[keys...]``, derived like Solidity mapping slots (keccak)."""
    encoded = abi.encode(["string"] + [_key_type(k) for k in keys], [name, *keys])
    return int.from_bytes(keccak256(encoded), "big")


def _key_type(key: Any) -> str:
    if isinstance(key, str) and key.startswith("0x") and len(key) == 42:
        return "address"
    if isinstance(key, bytes):
        return "bytes"
    if isinstance(key, int) and not isinstance(key, bool):
        return "uint256"
    return "string"


def _topic(value: Union[int, str, bytes]) -> bytes:
    if isinstance(value, bytes):
        return value.rjust(32, b"\x00") if len(value) <= 32 else keccak256(value)
    if isinstance(value, str):
        return bytes.fromhex(to_address(value)[2:]).rjust(32, b"\x00")
    return value.to_bytes(32, "big")


class Contract:
    """Base class of L1 contracts. Subclasses are registered by their code id on definition."""

    registry: dict[bytes, type["Contract"]] = {}
    methods: dict[str, Method] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.code_id = keccak256(f"{cls.__module__}.{cls.__qualname__}".encode())[:4]
        Contract.registry[cls.code_id] = cls
        cls.methods = {name: Method(name, _signature(fn), fn.__external__)
                       for name, fn in _public_functions(cls) if hasattr(fn, "__external__")}
        cls.by_selector = {m.selector: m for m in cls.methods.values()}
        cls.constructor_types = _signature(cls.constructor)

    def __init__(self, execution_source: Callable[[], "Execution"], address: Address) -> None:
        self._execution = execution_source
        self.address = address

    def constructor(self) -> None:
        """Runs once at deployment; override with typed parameters to take arguments."""

    # -- context ------------------------------------------------------------------------
    @property
    def env(self) -> "Execution":
        return self._execution()

    @property
    def sender(self) -> Address:
        """``msg.sender`` of the running call."""
        return self.env.frame.sender

    @property
    def value(self) -> int:
        """``msg.value`` of the running call."""
        return self.env.frame.value

    @property
    def block_number(self) -> int:
        return self.env.block_number

    @property
    def timestamp(self) -> int:
        return self.env.timestamp

    def require(self, condition: Any, reason: str) -> None:
        """Revert with ``reason`` unless ``condition`` holds."""
        if not condition:
            raise Revert(reason)

    # -- storage --------------------------------------------------------------------------
    def load(self, name: str, *keys: Any) -> int:
        """SLOAD of ``name[keys...]``: 2,100 gas cold, 100 warm."""
        return self.env.sload(self.address, storage_slot(name, keys))

    def store(self, name: str, *keys: Any, value: int) -> None:
        """SSTORE of ``name[keys...] = value`` with EIP-2929/3529 costs and refunds."""
        if not 0 <= value < 2**256:
            raise Revert(f"storage value out of uint256 range: {value}")
        self.env.sstore(self.address, storage_slot(name, keys), value)

    # -- events, hashing, blobs -----------------------------------------------------------
    def emit(self, name: str, *indexed: Union[int, str, bytes], data: bytes = b"",
             args: tuple = ()) -> None:
        """LOG with topic 0 = keccak(name) plus up to three indexed topics; ``args`` is a
        readable copy of the event's values for off-chain agents (not charged)."""
        if len(indexed) > 3:
            raise Revert("an event has at most 3 indexed topics")
        topics = (keccak256(name.encode()),) + tuple(_topic(t) for t in indexed)
        self.env.meter.charge(G.log_gas(len(topics), len(data)), f"LOG{len(topics)} {name}")
        self.env.state.add_log(Log(self.address, topics, data, name, args))

    def keccak(self, data: bytes) -> bytes:
        self.env.meter.charge(G.keccak_gas(len(data)), "KECCAK256")
        return keccak256(data)

    def blockhash(self, number: int) -> bytes:
        """BLOCKHASH: the hash of block ``number`` if it is one of the last 256 before this one,
        else 32 zero bytes (as on Ethereum)."""
        self.env.meter.charge(G.BLOCKHASH, "BLOCKHASH")
        hashes = self.env.block_hashes
        if not len(hashes) - G.BLOCKHASH_WINDOW <= number < len(hashes) or number < 0:
            return bytes(32)
        return hashes[number]

    def blobhash(self, index: int) -> Optional[bytes]:
        """BLOBHASH: the versioned hash of the transaction's ``index``-th blob, or None."""
        self.env.meter.charge(G.BLOBHASH, "BLOBHASH")
        hashes = self.env.blob_hashes
        return hashes[index] if index < len(hashes) else None

    # -- calls ----------------------------------------------------------------------------
    def balance_of(self, address: str) -> int:
        return self.env.balance(address)

    def call(self, target: str, method: str, *args: Any, value: int = 0, gas: Optional[int] = None) -> Any:
        """Call another contract with at most ``gas`` (default: all but one 64th of what is
        left); its failure reverts this call too (like Solidity)."""
        return self.env.call(self.address, to_address(target), value, method, args, gas)

    def try_call(self, target: str, method: str, *args: Any, value: int = 0,
                 gas: Optional[int] = None) -> tuple[bool, Any]:
        """Call another contract; on failure only its changes are undone. ``(ok, result or reason)``."""
        try:
            return True, self.call(target, method, *args, value=value, gas=gas)
        except Revert as exc:
            return False, str(exc)

    def transfer(self, to: str, amount: int) -> None:
        """Send value to an account (a CALL with value and no data)."""
        self.env.call(self.address, to_address(to), amount, None, ())

    def precompile(self, number: int, data: bytes) -> bytes:
        """STATICCALL a precompile (1 ecrecover, 6 ecAdd, 7 ecMul, 8 ecPairing). Bad input fails the call,
        spending the gas it was given, and reverts this call (catch it with ``try_call``)."""
        return self.env.call(self.address, to_address(number), 0, None, (data,))


def _public_functions(cls: type) -> list[tuple[str, Callable]]:
    return [(name, getattr(cls, name)) for name in dir(cls)
            if not name.startswith("_") and callable(getattr(cls, name, None))]
