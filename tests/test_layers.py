"""The layer rules of DESIGN.md, over every import in the installed packages: a module imports only
from layers below its own, and the parts of one layer (the DSL and the prover; the protocol rooms)
never import each other. Imports inside functions and ``TYPE_CHECKING`` blocks count too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# unit -> rank: a unit may import units of a lower rank only
RANKS = {
    "native": 0,
    "cli": 1, "relations": 1,
    "circuits": 2, "prover": 2,
    "rollup": 3, "rollup.common": 3,
    "rollup.l1": 4,
    "rollup.sim": 5, "rollup.vm": 5, "rollup.economics": 5,
    "rollup.zk": 6, "rollup.optimistic": 6, "rollup.channels": 6, "rollup.sidechain": 6,
    "rollup.crosslayer": 7, "rollup.messages": 7, "rollup.shielded": 7, "bench": 7, "testing": 7,
    "rollup.sdk": 8,
    "rollup.explorer": 9,
}
TOP_FOLDERS = sorted({unit.split(".")[0] for unit in RANKS})


def unit_of(parts: list[str]) -> str:
    """The unit of a module path below the namespace: a top folder, or a room for rollup."""
    if parts[0] == "rollup" and len(parts) > 1 and parts[1] != "__init__":
        return f"rollup.{parts[1]}"
    return parts[0]


def modules() -> list[Path]:
    return sorted(p for folder in TOP_FOLDERS if (ROOT / folder).is_dir() for p in (ROOT / folder).rglob("*.py")
                  if not p.name.startswith("test_") and p.name != "conftest.py")


def imported_units(path: Path) -> set[str]:
    units = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "prozchain" and len(parts) > 1:
                units.add(unit_of(parts[1:]))
    return units


def test_every_module_is_in_a_known_layer():
    unknown = {unit_of(list(p.relative_to(ROOT).with_suffix("").parts)) for p in modules()} - set(RANKS)
    assert not unknown, f"place {sorted(unknown)} in RANKS (and in DESIGN.md's picture)"


def test_the_walker_sees_imports():
    """The check below is only as good as the walker: it must find the imports it is meant to."""
    units = imported_units(ROOT / "prover" / "groth16" / "prover.py")
    assert {"native", "relations", "prover"} <= units


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_downward(path):
    own = unit_of(list(path.relative_to(ROOT).with_suffix("").parts))
    upward = sorted(unit for unit in imported_units(path) - {own}
                    if unit in RANKS and RANKS[unit] >= RANKS[own])
    assert not upward, f"{own} (rank {RANKS[own]}) imports {upward}: layers import only from below"
