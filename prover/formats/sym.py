"""circom's ``.sym`` file: one line per wire, ``signal,wire,component,name``.

>>> from prozchain.circuits import Circuit
>>> class Mul(Circuit):
...     def define(self):
...         self.output("c", self.private_input("a") * self.private_input("b"))
>>> print(symbols_text(Mul().compile()))
1,1,0,Mul.c
2,2,0,Mul.a
3,3,0,Mul.b
4,4,0,Mul.w4
"""

from __future__ import annotations

from pathlib import Path

from prozchain.circuits import CompiledCircuit


def symbols_text(compiled: CompiledCircuit) -> str:
    """Every wire but the constant 1, named by its signal or by the gadget scope that made it."""
    return "\n".join(f"{w},{w},0,{compiled.wire_label(w)}" for w in range(1, compiled.r1cs.n_wires))


def write_sym(compiled: CompiledCircuit, path: str | Path) -> None:
    Path(path).write_text(symbols_text(compiled) + "\n")
