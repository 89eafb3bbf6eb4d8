"""Units of value and time shared by the reference L1 and every rollup room, and how amounts are
written for people: :func:`readable` gives a decimal in ether or gwei with the exact integer beside it.

>>> ETHER // GWEI
1000000000
>>> readable(3 * ETHER // 2)
'1.5 ether (1500000000000000000 wei)'
>>> readable(5_000_000), readable(21_000)
('0.005 gwei (5000000 wei)', '21000 wei')
>>> readable(250, Unit("gwei", "L2 units", GWEI))
'250 L2 units (250 gwei)'
"""

from __future__ import annotations

from dataclasses import dataclass

ETHER = 10**18  # wei
GWEI = 10**9  # wei
BLOCK_MS = 12_000  # the simulated L1's block time, as on Ethereum since the merge


@dataclass(frozen=True)
class Unit:
    """What an amount counts: ``symbol`` is its name in JSON documents (a standard Ethereum
    denomination, so a reader converts it exactly), ``label`` how the text calls it, ``wei``
    its worth."""

    symbol: str
    label: str
    wei: int


WEI = Unit("wei", "wei", 1)


def _decimal(wei: int) -> str:
    """``wei`` in the largest of ether and gwei that keeps it at least 0.001, exactly."""
    for name, size in (("ether", ETHER), ("gwei", GWEI)):
        if abs(wei) * 1_000 >= size:
            whole, part = divmod(abs(wei), size)
            digits = f"{part:0{len(str(size)) - 1}d}".rstrip("0")
            return f"{'-' if wei < 0 else ''}{whole}{'.' + digits if digits else ''} {name}"
    return f"{wei} wei"


def readable(value: int, unit: Unit = WEI) -> str:
    """``value`` (counted in ``unit``) for people, with the exact integer beside it."""
    if unit == WEI:
        text = _decimal(value)
        return text if text.endswith(" wei") else f"{text} ({value} wei)"
    return f"{value} {unit.label} ({_decimal(value * unit.wei)})"
