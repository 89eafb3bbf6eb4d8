"""The ``prozchain`` command line.

A command group is a function ``register(subparsers)`` that adds one argparse sub-parser whose
``func`` attribute runs the command and returns the exit code. The prover layer's own groups
are listed here; the layers above it (bench, rollup) contribute theirs through the
``prozchain.commands`` entry-point group (see setup.py), which keeps imports pointing downward
while one script serves them all. Running one of this layer's groups reads no entry points
(scanning the installed packages' metadata costs a ``groth16 prove`` about 50 ms).
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module
from typing import Callable, Optional, Sequence


OWN_GROUPS = {
    "circuit": "prozchain.prover.circuit_cli:register",
    "groth16": "prozchain.prover.groth16.cli:register",
    "ptau": "prozchain.prover.groth16.ptau_cli:register",
    "r1cs": "prozchain.prover.groth16.cli:register_r1cs",
    "zkey": "prozchain.prover.groth16.cli:register_zkey",
}


def _load(target: str) -> Callable[[argparse._SubParsersAction], None]:
    module, _, function = target.partition(":")
    return getattr(import_module(module), function)


def build_parser(command: Optional[str] = None) -> argparse.ArgumentParser:
    """The parser with every command group, or only ``command``'s when it names one: a
    ``prozchain groth16 prove`` then imports what proving needs and nothing else."""
    parser = argparse.ArgumentParser(prog="prozchain", description="ProzChain L2 workbench")
    subparsers = parser.add_subparsers(dest="command", required=True)
    if command in OWN_GROUPS:
        _load(OWN_GROUPS[command])(subparsers)
        return parser
    from importlib.metadata import entry_points

    groups = {**OWN_GROUPS, **{e.name: e.value for e in entry_points(group="prozchain.commands")}}
    chosen = [command] if command in groups else sorted(groups)
    for name in chosen:
        _load(groups[name])(subparsers)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run one ``prozchain`` command and return its exit code.

    >>> "demo" in build_parser().format_help()
    True
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(argv[0] if argv else None).parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
