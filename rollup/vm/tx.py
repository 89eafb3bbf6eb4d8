"""L2 transactions (secp256k1-signed, like L1's) and deposits, and their encodings.

A transaction calls ``to`` with ``value`` and up to eight argument words (the callee's
initial registers). Its encoding is ``rlp([chain_id, nonce, to, value, args, gas_limit,
gas_price, v, r, s])``; the signature covers the same list without ``v, r, s``.

>>> from prozchain.rollup.l1.crypto import Key
>>> alice = Key.from_seed(b"alice")
>>> tx = L2Tx(nonce=0, to="0x" + "22" * 20, value=5).sign(alice)
>>> L2Tx.decode(tx.encode()).sender == alice.address
True
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Callable, Optional, Sequence

from prozchain.rollup.l1.crypto import Address, Key, address_bytes, recover_address, to_address
from prozchain.rollup.vm.codec import decode_rlp, rlp_encode, to_int
from prozchain.rollup.vm.errors import DecodeError
from prozchain.rollup.vm.merkle import keccak

L2_CHAIN_ID = 4242
MAX_ARGS = 8


@dataclass(frozen=True)
class L2Tx:
    nonce: int
    to: str
    value: int = 0
    args: tuple[int, ...] = ()
    gas_limit: int = 50_000
    gas_price: int = 0
    chain_id: int = L2_CHAIN_ID
    signature: Optional[tuple[int, int, int]] = field(default=None, compare=False)

    def _fields(self) -> list:
        return [self.chain_id, self.nonce, address_bytes(to_address(self.to)), self.value,
                list(self.args), self.gas_limit, self.gas_price]

    def signing_hash(self) -> bytes:
        return keccak(b"\x4c" + rlp_encode(self._fields()))

    def sign(self, key: Key) -> "L2Tx":
        return replace(self, signature=key.sign(self.signing_hash()))

    def encode(self) -> bytes:
        if self.signature is None:
            raise DecodeError("an unsigned L2 transaction has no encoding")
        return rlp_encode(self._fields() + list(self.signature))

    @cached_property
    def hash(self) -> bytes:
        return keccak(self.encode())

    @cached_property
    def sender(self) -> Address:
        """The signer; :class:`prozchain.rollup.l1.errors.InvalidTransaction` if it does not recover."""
        return recover_address(self.signing_hash(), self.signature)

    @classmethod
    def decode(cls, data: bytes) -> "L2Tx":
        """The transaction in ``data``; :class:`DecodeError` if it is not one."""
        try:
            items = decode_rlp(data)
            chain_id, nonce, to, value, args, gas_limit, gas_price, v, r, s = items
            if not isinstance(args, list) or len(args) > MAX_ARGS or len(to) != 20:
                raise DecodeError("bad argument list or recipient")
            return cls(to_int(nonce), to_address(to), to_int(value), tuple(to_int(a) for a in args),
                       to_int(gas_limit), to_int(gas_price), to_int(chain_id),
                       (to_int(v), to_int(r), to_int(s)))
        except (ValueError, TypeError) as exc:
            raise DecodeError(f"not an L2 transaction: {exc}") from exc

    def __post_init__(self) -> None:
        if len(self.args) > MAX_ARGS or any(not 0 <= a < 2**256 for a in self.args):
            raise DecodeError(f"at most {MAX_ARGS} argument words of 256 bits")


@dataclass(frozen=True)
class Deposit:
    """Ether locked on L1 and credited on L2; its hash is what the L1 portal records. A deposit
    with a ``sender`` is also an L1-to-L2 message: after the credit, the VM calls ``recipient``
    with ``args`` and ``gas``, the caller being ``alias(sender)`` (:func:`alias`), so an L1
    contract cannot pass for the L2 contract at its own address.

    >>> d = Deposit(0, "0x" + "22" * 20, 5, sender="0x" + "33" * 20, args=(1, 2), gas=30_000)
    >>> Deposit.decode(d.encode()) == d, Deposit.decode(Deposit(0, d.recipient, 5).encode()).sender
    (True, None)
    """

    index: int
    recipient: str
    amount: int
    sender: Optional[str] = None
    args: tuple[int, ...] = ()
    gas: int = 0

    def encode(self) -> bytes:
        plain = [self.index, address_bytes(to_address(self.recipient)), self.amount]
        if self.sender is None:
            return rlp_encode(plain)
        return rlp_encode(plain + [address_bytes(to_address(self.sender)), list(self.args), self.gas])

    @classmethod
    def decode(cls, data: bytes) -> "Deposit":
        try:
            items = decode_rlp(data)
            index, recipient, amount = items[:3]
            if len(items) == 3:
                return cls(to_int(index), to_address(recipient), to_int(amount))
            sender, args, gas = items[3:]
            if not isinstance(args, list) or len(args) > MAX_ARGS:
                raise DecodeError("bad message arguments")
            return cls(to_int(index), to_address(recipient), to_int(amount), to_address(sender),
                       tuple(to_int(a) for a in args), to_int(gas))
        except (ValueError, TypeError) as exc:
            raise DecodeError(f"not a deposit: {exc}") from exc


ALIAS_OFFSET = 0x1111000000000000000000000000000000001111
"""Added to an L1 sender's address on L2 (as Optimism and Arbitrum do), so that an L1 contract
and an L2 contract at the same address are never the same caller."""


def alias(l1_address: str) -> int:
    """The L2 caller of a message sent by ``l1_address`` on L1."""
    return (int(to_address(l1_address), 16) + ALIAS_OFFSET) % 2**160


def in_nonce_turn(txs: Sequence[L2Tx], nonce_of: Callable[[str], int], limit: int) -> list[L2Tx]:
    """Up to ``limit`` of ``txs`` in their given order, each once its sender's nonce is due
    (``nonce_of``: the account nonce now): a transaction that overtook its predecessor waits
    for it, the rest keep their places. What a first-come-first-served sequencer posts.

    >>> k = Key.from_seed(b"n")
    >>> later, first = L2Tx(1, k.address).sign(k), L2Tx(0, k.address).sign(k)
    >>> [tx.nonce for tx in in_nonce_turn([later, first], lambda a: 0, 10)]
    [0, 1]
    """
    nonces: dict[str, int] = {}
    chosen: list[L2Tx] = []
    progress = True
    while progress and len(chosen) < limit:
        progress = False
        for tx in txs:
            due = nonces.setdefault(tx.sender, nonce_of(tx.sender))
            if tx.nonce == due and len(chosen) < limit:
                chosen.append(tx)
                nonces[tx.sender] = due + 1
                progress = True
    return chosen
