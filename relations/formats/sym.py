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
from typing import Iterable, Iterator, Sequence


def symbols_text(labels: Sequence[str]) -> str:
    """The ``.sym`` text of wires ``1 .. len(labels) - 1``; wire 0 is the constant 1 and unnamed."""
    return "".join(_lines(labels)).rstrip("\n")


def _lines(labels: Iterable[str]) -> Iterator[str]:
    for w, label in enumerate(labels):
        if w:
            yield f"{w},{w},0,{label}\n"


def write_sym(labels: Iterable[str], path: str | Path) -> None:
    """Write :func:`symbols_text` of ``labels`` (any iterable: a circuit of millions of wires can
    hand its labels over one by one) to ``path``."""
    with open(path, "w") as out:
        out.writelines(_lines(labels))
