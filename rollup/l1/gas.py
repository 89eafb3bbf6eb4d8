"""Ethereum gas schedule (London/Cancun) and the meter every transaction runs against.

Figures and the EIP they come from:

- 21,000 per transaction, 53,000 for a contract creation, plus EIP-3860's 2 per initcode word;
- calldata 16 per non-zero byte and 4 per zero byte (EIP-2028);
- storage and account access cold/warm (EIP-2929), SSTORE set/reset/clear with the EIP-3529
  refunds and the refund cap of one fifth of the gas used;
- logs 375 + 375 per topic + 8 per data byte; keccak 30 + 6 per word;
- Poseidon of 1 to 5 inputs in Solidity at poseidon-solidity's published gas;
- ecrecover (precompile 0x01) at 3,000 and the BN254 precompiles at EIP-1108 prices;
- blob gas and the blob base fee of EIP-4844 (see :mod:`prozchain.rollup.l1.blobs`).

>>> intrinsic_gas(b"\\x00\\x01", create=False)
21020
>>> sstore_cost(original=0, current=0, new=1, cold=True)
(22100, 0)
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from prozchain.rollup.l1.errors import ExceptionalHalt, OutOfGas

TX_BASE = 21_000
TX_CREATE = 32_000
CALLDATA_ZERO = 4
CALLDATA_NONZERO = 16
INITCODE_WORD = 2

COLD_SLOAD = 2_100
COLD_ACCOUNT_ACCESS = 2_600
WARM_ACCESS = 100
SSTORE_SET = 20_000
SSTORE_RESET = 5_000 - COLD_SLOAD
SSTORE_CLEAR_REFUND = 4_800  # EIP-3529: SSTORE_RESET + ACCESS_LIST_STORAGE_KEY
SSTORE_SENTRY = 2_300  # EIP-2200: SSTORE fails when no more than this is left
MAX_REFUND_QUOTIENT = 5

CALL_VALUE = 9_000
CALL_STIPEND = 2_300
CALL_RETAINED_FRACTION = 64  # EIP-150: a call forwards at most all but one 64th of the gas left
NEW_ACCOUNT = 25_000

LOG_BASE = 375
LOG_TOPIC = 375
LOG_DATA_BYTE = 8
KECCAK_BASE = 30
KECCAK_WORD = 6
BLOBHASH = 3
BLOCKHASH = 20
BLOCKHASH_WINDOW = 256  # BLOCKHASH answers for the last 256 blocks only, else zero

ECRECOVER = 3_000
EC_ADD = 150
EC_MUL = 6_000
EC_PAIRING_BASE = 45_000
EC_PAIRING_PER_PAIR = 34_000

# Gas of one Poseidon hash of n inputs in Solidity (poseidon-solidity's benchmark, T = n + 1).
POSEIDON_GAS = {1: 13_488, 2: 21_124, 3: 37_617, 4: 54_326, 5: 74_039}


def calldata_gas(data: bytes) -> int:
    """EIP-2028 calldata cost."""
    zeros = data.count(0)
    return zeros * CALLDATA_ZERO + (len(data) - zeros) * CALLDATA_NONZERO


def intrinsic_gas(data: bytes, create: bool) -> int:
    """Gas charged before any execution: base, calldata and (for creations) initcode words."""
    gas = TX_BASE + calldata_gas(data)
    if create:
        gas += TX_CREATE + INITCODE_WORD * ((len(data) + 31) // 32)
    return gas


def words(n_bytes: int) -> int:
    return (n_bytes + 31) // 32


def keccak_gas(n_bytes: int) -> int:
    return KECCAK_BASE + KECCAK_WORD * words(n_bytes)


def log_gas(n_topics: int, n_data_bytes: int) -> int:
    return LOG_BASE + LOG_TOPIC * n_topics + LOG_DATA_BYTE * n_data_bytes


def max_call_gas(remaining: int) -> int:
    """The most gas a nested call can be given (EIP-150).

    >>> max_call_gas(64_000)
    63000
    """
    return remaining - remaining // CALL_RETAINED_FRACTION


def pairing_gas(n_pairs: int) -> int:
    """EIP-1108 price of the pairing check over ``n_pairs`` pairs."""
    return EC_PAIRING_BASE + EC_PAIRING_PER_PAIR * n_pairs


def sstore_cost(original: int, current: int, new: int, cold: bool) -> tuple[int, int]:
    """``(gas, refund_delta)`` of an SSTORE under EIP-2929 + EIP-3529.

    ``original`` is the slot's value at the start of the transaction, ``current`` its value
    now, ``new`` the value written. The refund delta may be negative (a refund taken back).
    """
    gas = COLD_SLOAD if cold else 0
    refund = 0
    if new == current:
        return gas + WARM_ACCESS, 0
    if original == current:
        if original == 0:
            return gas + SSTORE_SET, 0
        return gas + SSTORE_RESET, SSTORE_CLEAR_REFUND if new == 0 else 0
    # The slot is dirty: it was already changed in this transaction.
    if original != 0:
        if current == 0:
            refund -= SSTORE_CLEAR_REFUND
        elif new == 0:
            refund += SSTORE_CLEAR_REFUND
    if original == new:
        refund += SSTORE_SET - WARM_ACCESS if original == 0 else SSTORE_RESET - WARM_ACCESS
    return gas + WARM_ACCESS, refund


class GasMeter:
    """Counts the gas of one transaction; raises :class:`OutOfGas` past the limit.

    >>> meter = GasMeter(25_000)
    >>> meter.charge(21_000, "intrinsic")
    >>> meter.remaining
    4000
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    @property
    def remaining(self) -> int:
        return self.limit - self.used

    def charge(self, amount: int, what: str) -> None:
        if self.used + amount > self.limit:
            message = f"out of gas in {what}: needs {amount}, {self.remaining} left"
            self.used = self.limit
            raise OutOfGas(message)
        self.used += amount

    @contextmanager
    def call_frame(self, gas: int, stipend: int = 0) -> Iterator[None]:
        """Meter a nested call given ``gas`` plus a free ``stipend``.

        Inside, the limit is what the callee was given. Afterwards the caller pays what the
        callee spent beyond the stipend; an exceptional halt inside spends everything it was given.

        >>> meter = GasMeter(100_000)
        >>> with meter.call_frame(10_000, stipend=2_300):
        ...     meter.charge(3_000, "callee work")
        >>> meter.used
        700
        """
        outer_limit, outer_used = self.limit, self.used
        self.limit, self.used = gas + stipend, 0
        try:
            yield
        except ExceptionalHalt:
            self.used = self.limit  # a halt (out of gas, bad precompile input) spends it all
            raise
        finally:
            spent = self.used
            self.limit, self.used = outer_limit, outer_used + spent - stipend

    def final_gas_used(self, refund: int) -> int:
        """Gas used after the EIP-3529 ``refund``, capped at a fifth of the gas used."""
        return self.used - min(max(refund, 0), self.used // MAX_REFUND_QUOTIENT)
