"""circom's ``.sym`` file: one line per wire but the constant 1, ``signal,wire,component,name``.

``labels[w]`` names wire ``w``; the DSL gives a compiled circuit's as
:meth:`prozchain.circuits.CompiledCircuit.wire_labels`.

>>> print(symbols_text(["one", "Mul.c", "Mul.a", "Mul.b", "Mul.w4"]))
1,1,0,Mul.c
2,2,0,Mul.a
3,3,0,Mul.b
4,4,0,Mul.w4
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence


def symbols_text(labels: Sequence[str]) -> str:
    """The ``.sym`` text of wires ``1 .. len(labels) - 1``; wire 0 is the constant 1 and unnamed."""
    return "\n".join(f"{w},{w},0,{labels[w]}" for w in range(1, len(labels)))


def write_sym(labels: Sequence[str], path: str | Path) -> None:
    """Write :func:`symbols_text` of ``labels`` to ``path``."""
    Path(path).write_text(symbols_text(labels) + "\n")
