"""The ``prozchain`` command line.

Each layer contributes its own command groups through the ``prozchain.commands`` entry-point
group (see setup.py): an entry is a function ``register(subparsers)`` that adds one argparse
sub-parser whose ``func`` attribute runs the command and returns the exit code. This keeps the
layers' imports pointing downward while one script serves them all.
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import entry_points
from typing import Optional, Sequence


def build_parser(command: Optional[str] = None) -> argparse.ArgumentParser:
    """The parser with every command group, or only ``command``'s when it names one: a
    ``prozchain groth16 prove`` then imports what proving needs and nothing else."""
    parser = argparse.ArgumentParser(prog="prozchain", description="ProzChain L2 workbench")
    subparsers = parser.add_subparsers(dest="command", required=True)
    entries = sorted(entry_points(group="prozchain.commands"), key=lambda e: e.name)
    chosen = [e for e in entries if e.name == command] or entries
    for entry in chosen:
        entry.load()(subparsers)
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
