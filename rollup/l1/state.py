"""The L1 world state with a journal, so any call can be undone exactly.

Every mutation records how to undo itself; :meth:`State.snapshot` marks a point in the journal
and :meth:`State.revert` rolls back to it. Nested calls take nested snapshots, which is what
makes a reverted inner call leave no trace while the outer call goes on.

>>> s = State({"0x" + "11" * 20: 5})
>>> mark = s.snapshot()
>>> s.add_balance("0x" + "11" * 20, -2)
>>> s.revert(mark)
>>> s.balance("0x" + "11" * 20)
5
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from prozchain.rollup.l1.errors import L1Error


@dataclass(frozen=True)
class Log:
    """An event: the emitting contract, Ethereum topics and data, plus a readable view."""

    address: str
    topics: tuple[bytes, ...]
    data: bytes
    name: str
    args: tuple[Any, ...] = field(default=())


class State:
    """Balances, nonces, contract objects and storage words, plus per-transaction access sets."""

    def __init__(self, balances: Mapping[str, int] = ()) -> None:
        self.balances: dict[str, int] = dict(balances)
        self.nonces: dict[str, int] = {}
        self.code: dict[str, Any] = {}
        self.storage: dict[str, dict[int, int]] = {}
        self._journal: list[Callable[[], None]] = []
        self.begin_transaction()

    # -- journal --------------------------------------------------------------------------
    def begin_transaction(self) -> None:
        """Reset what EIP-2929 and EIP-2200 track per transaction; start an empty journal."""
        self._journal = []
        self.warm_accounts: set[str] = set()
        self.warm_slots: set[tuple[str, int]] = set()
        self.originals: dict[tuple[str, int], int] = {}
        self.logs: list[Log] = []
        self.refund = 0

    def snapshot(self) -> int:
        return len(self._journal)

    def revert(self, mark: int) -> None:
        while len(self._journal) > mark:
            self._journal.pop()()

    def _set(self, table: dict, key: Any, value: Any) -> None:
        if key in table:
            old = table[key]
            self._journal.append(lambda: table.__setitem__(key, old))
        else:
            self._journal.append(lambda: table.pop(key))
        table[key] = value

    # -- accounts -------------------------------------------------------------------------
    def balance(self, address: str) -> int:
        return self.balances.get(address, 0)

    def add_balance(self, address: str, delta: int) -> None:
        new = self.balance(address) + delta
        if new < 0:
            raise L1Error(f"balance of {address} would go negative ({new})")
        self._set(self.balances, address, new)

    def nonce(self, address: str) -> int:
        return self.nonces.get(address, 0)

    def increment_nonce(self, address: str) -> None:
        self._set(self.nonces, address, self.nonce(address) + 1)

    def is_empty(self, address: str) -> bool:
        """EIP-161 emptiness: no balance, no nonce, no code."""
        return not self.balance(address) and not self.nonce(address) and address not in self.code

    def set_code(self, address: str, contract: Any) -> None:
        self._set(self.code, address, contract)

    def add_refund(self, delta: int) -> None:
        old = self.refund
        self._journal.append(lambda: setattr(self, "refund", old))
        self.refund += delta

    # -- storage and access sets ----------------------------------------------------------
    def load(self, address: str, slot: int) -> int:
        return self.storage.get(address, {}).get(slot, 0)

    def original(self, address: str, slot: int) -> int:
        """The slot's value when the transaction started (EIP-2200's "original value")."""
        return self.originals.get((address, slot), self.load(address, slot))

    def store(self, address: str, slot: int, value: int) -> None:
        # Originals are recorded outside the journal: a revert does not change what the
        # slot held at the start of the transaction.
        self.originals.setdefault((address, slot), self.load(address, slot))
        if address not in self.storage:
            self._set(self.storage, address, {})
        self._set(self.storage[address], slot, value)

    def touch_account(self, address: str) -> bool:
        """Mark an account warm; return whether it was cold."""
        return self._warm(self.warm_accounts, address)

    def touch_slot(self, address: str, slot: int) -> bool:
        """Mark a storage slot warm; return whether it was cold."""
        return self._warm(self.warm_slots, (address, slot))

    def _warm(self, table: set, key: Any) -> bool:
        if key in table:
            return False
        table.add(key)
        self._journal.append(lambda: table.discard(key))
        return True

    def add_log(self, log: Log) -> None:
        self.logs.append(log)
        self._journal.append(self.logs.pop)
