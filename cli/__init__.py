"""The ``prozchain`` command line: one parser that every command group registers with, and one
error wrapper that every command runs under.

A command group is a function ``register(subparsers)`` that adds one argparse sub-parser whose
``func`` attribute runs the command and returns its exit code. The groups are named in
:data:`GROUPS` (and the rooms' measuring programs in :data:`MEASUREMENTS`) as
``"module:function"`` strings, so this bottom layer imports none of them until asked: a
``prozchain groth16 prove`` imports what proving needs and nothing else, and reads no
entry-point metadata.

Exit codes, for every command:

- 0 success;
- 1 a negative answer: an invalid proof, a failed scenario, a witness that fails its check, lint
  findings (the command says so, or raises :class:`NegativeAnswer`);
- 2 bad input or usage: a malformed or missing file, a bad argument (argparse's own usage
  errors are 2 as well).

A failure is one line on stderr, ``error: <file>: <what is wrong>``, never a traceback: every
:class:`~prozchain.native.errors.ProzError`, ``OSError`` and JSON or text decoding error
raised by a command ends here.

>>> main(["r1cs", "info", "no-such.r1cs"])
2
>>> "demo" in build_parser().format_help()
True
"""

from __future__ import annotations

import time

# when this module began loading: the wall clock, and the CPU the process had used (Python's own
# start); ``groth16 prove --profile`` reports both
LOADED = (time.perf_counter(), time.process_time())

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from importlib import import_module  # noqa: E402
from typing import Callable, Optional, Sequence  # noqa: E402

# numpy, which most commands import, starts one OpenBLAS thread per core at import: about 15 ms
# of a small proof's CPU, more on a loaded machine. No command multiplies float matrices.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from prozchain.native.errors import ProzError  # noqa: E402

Register = Callable[[argparse._SubParsersAction], None]

GROUPS = {
    "bench": "prozchain.bench.cli:register",
    "circuit": "prozchain.circuits.cli:register",
    "compare": "prozchain.rollup.crosslayer.measure:register",
    "demo": "prozchain.rollup.sdk.tour:register",
    "explorer": "prozchain.rollup.explorer.cli:register",
    "groth16": "prozchain.prover.groth16.cli:register",
    "measure": "prozchain.cli:register_measure",
    "ptau": "prozchain.prover.groth16.ptau_cli:register",
    "r1cs": "prozchain.prover.groth16.cli:register_r1cs",
    "scenario": "prozchain.rollup.sim.cli:register",
    "serve": "prozchain.prover.serve:register",
    "tx": "prozchain.rollup.sdk.cli:register",
    "zkey": "prozchain.prover.groth16.cli:register_zkey",
}

# ``prozchain measure ROOM``: each room's measuring program adds its sub-parser here.
MEASUREMENTS = {
    "channels": "prozchain.rollup.channels.measure:register",
    "fees": "prozchain.rollup.crosslayer.fees:register",
    "messages": "prozchain.rollup.messages.measure:register",
    "shielded": "prozchain.rollup.shielded.measure:register",
    "sidechain": "prozchain.rollup.sidechain.measure:register",
}


class UsageError(ProzError):
    """The command line names a file, circuit or parameter that does not work (exit code 2)."""


class NegativeAnswer(ProzError):
    """The command ran and its answer is no (exit code 1): a witness fails its check, a proof
    would not verify."""


def _load(target: str) -> Register:
    module, _, function = target.partition(":")
    return getattr(import_module(module), function)


def register_measure(subparsers: argparse._SubParsersAction) -> None:
    """The ``measure`` command group: the numbers of a room's documentation page."""
    parser = subparsers.add_parser("measure", help="measure a rollup room (the numbers of its docs page)")
    rooms = parser.add_subparsers(dest="measure_room", required=True)
    for target in MEASUREMENTS.values():
        _load(target)(rooms)


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, sized as argparse sizes it (``$COLUMNS``, else the terminal's
    width, else 80) without importing shutil to ask: argparse makes a formatter for every
    argument it adds, and shutil brings bz2, lzma and zlib, which no command's start needs."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: Optional[int] = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


def _columns() -> int:
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):  # no stdout, or not a terminal
        return 80


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser with :class:`_Formatter` unless told otherwise; its sub-parsers are of
    this class too (argparse makes them of the parent's class)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)


def build_parser(command: Optional[str] = None) -> argparse.ArgumentParser:
    """The parser with every command group, or only ``command``'s when it names one."""
    parser = _Parser(prog="prozchain", description="ProzChain L2 workbench")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in [command] if command in GROUPS else sorted(GROUPS):
        _load(GROUPS[name])(subparsers)
    return parser


def _fail(exc: BaseException, code: int) -> int:
    """Print a failure as one line on stderr (a file error names its file, as the project's own
    errors do) and return ``code``."""
    if isinstance(exc, OSError) and exc.filename is not None:
        message = f"{exc.filename}: {exc.strerror or exc}"
    else:
        message = str(exc) or type(exc).__name__
    print(f"error: {message}", file=sys.stderr)
    return code


def run(command: Callable[[argparse.Namespace], Optional[int]], args: argparse.Namespace) -> int:
    """Run one command under the error wrapper and return its exit code (see the module's
    docstring)."""
    try:
        return int(command(args) or 0)
    except NegativeAnswer as exc:
        return _fail(exc, 1)
    except (ProzError, OSError, json.JSONDecodeError, UnicodeError) as exc:
        return _fail(exc, 2)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run one ``prozchain`` command and return its exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(argv[0] if argv else None).parse_args(argv)
    return run(args.func, args)
