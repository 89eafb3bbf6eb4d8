"""Shared helpers for circuit tests: one-off circuits, witness mutation, malicious hints."""

from __future__ import annotations

import dataclasses
import random
from typing import Callable, Iterable

from prozchain.circuits import Circuit, CompiledCircuit, compile_function
from prozchain.circuits.builder import PRIVATE, PUBLIC
from prozchain.native.curve import R


def compile_fn(define: Callable[[Circuit], None], name: str = "T") -> CompiledCircuit:
    """Compile a one-off circuit (named ``T`` unless told) whose ``define`` is the given function."""
    return compile_function(define, name)


def computed_wires(compiled: CompiledCircuit, skip: Iterable[int] = ()) -> list[int]:
    """Every wire the prover computes (outputs and internal), minus ``skip``."""
    skipped = set(skip)
    kinds = compiled.wire_kind.tolist()
    return [w for w in range(1, len(kinds)) if kinds[w] not in (PUBLIC, PRIVATE) and w not in skipped]


def assert_mutations_rejected(compiled: CompiledCircuit, witness: list[int], rng: random.Random, samples: int = 25, skip: Iterable[int] = ()) -> None:
    """Changing any one computed wire (a sample of them) to another value must break a constraint."""
    wires = computed_wires(compiled, skip)
    for wire in rng.sample(wires, min(samples, len(wires))):
        bad = list(witness)
        bad[wire] = (bad[wire] + rng.choice([1, R - 1, rng.randrange(1, R)])) % R
        assert len(compiled.r1cs.failing(bad)), f"changing {compiled.describe_wire(wire)} went unnoticed"


def with_hint(compiled: CompiledCircuit, name: str, fn: Callable) -> CompiledCircuit:
    """A copy of ``compiled`` whose hints called ``name`` run ``fn``: a cheating prover."""
    hints = [dataclasses.replace(h, fn=fn) if h.name == name else h for h in compiled.hints]
    return dataclasses.replace(compiled, hints=hints)
