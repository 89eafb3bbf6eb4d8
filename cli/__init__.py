"""The ``prozchain`` command line: one parser that every command group registers with, and one
error wrapper that every command runs under.

A command group is a function ``register(parser)`` that fills in the group's argparse parser
(made here, with the group's name and help line) with arguments or sub-parsers whose ``func``
attribute runs the command and returns its exit code. The groups are named in :data:`GROUPS`
(and the rooms' measuring programs, each a ``register(subparsers)`` adding its sub-parser, in
:data:`MEASUREMENTS`) as ``"module:function"`` strings, so this bottom layer imports none of
them until asked: a ``prozchain groth16 prove`` builds and imports the ``groth16`` group and
nothing else, ``prozchain --help`` lists the groups from :data:`GROUPS` alone, and neither
reads entry-point metadata. The commands in :data:`PLAIN` (a small proof's ``groth16 prove``)
define their arguments as data (:class:`Command`), from which argparse builds their parser and
:func:`read_plain` reads their plain forms without importing argparse; anything else (``-h``,
an abbreviation, a missing argument, a bad value) goes to argparse.

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

import gc  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from types import SimpleNamespace  # noqa: E402

# numpy, which most commands import, starts one OpenBLAS thread per core at import: about 15 ms
# of a small proof's CPU, more on a loaded machine. No command multiplies float matrices.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from prozchain.native.errors import ProzError  # noqa: E402

# argparse, json and typing are imported only when used: a one-shot proof reads its command line
# without argparse and writes its JSON without json (together about 12 ms of its start)
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

Register = Callable[["argparse.ArgumentParser"], None]
DEST = "command"  # the group's name in the parsed arguments

# each group: its register function, and its help line (what `prozchain --help` lists without importing it)
GROUPS = {
    "bench": ("prozchain.bench.cli:register", "benchmark kernels against peers"),
    "circuit": ("prozchain.circuits.cli:register", "compile circuits, solve witnesses, inspect and lint them"),
    "compare": ("prozchain.rollup.crosslayer.measure:register",
                "compare the layers on the same transfer and withdrawal"),
    "demo": ("prozchain.rollup.sdk.tour:register",
             "the tour: the native arithmetic, Groth16, a proven ZK rollup, then every layer"),
    "explorer": ("prozchain.rollup.explorer.cli:register", "the cross-layer explorer in the browser, on localhost"),
    "groth16": ("prozchain.prover.groth16.cli:register", "Groth16 proofs (snarkjs-compatible files)"),
    "measure": ("prozchain.cli:register_measure", "measure a rollup room (the numbers of its docs page)"),
    "ptau": ("prozchain.prover.groth16.ptau_cli:register", "powers-of-tau files (.ptau)"),
    "r1cs": ("prozchain.prover.groth16.cli:register_r1cs", "constraint system files (.r1cs)"),
    "scenario": ("prozchain.rollup.sim.cli:register", "run the adversarial simulation scenarios"),
    "serve": ("prozchain.prover.serve:register", "a resident prover: keys read once, proofs over local HTTP"),
    "tx": ("prozchain.rollup.sdk.cli:register",
           "a transaction's way through the layers, from an SDK's stage store or the agents' own stores"),
    "zkey": ("prozchain.prover.groth16.cli:register_zkey", "proving key files (.zkey)"),
}

# commands whose plain forms main() reads without argparse: (group, command) -> their Command
PLAIN = {("groth16", "prove"): "prozchain.prover.groth16.cli:PROVE"}

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


def _load(target: str) -> Callable[..., None]:
    module, _, function = target.partition(":")
    __import__(module)  # not importlib's import_module: importlib imports warnings, 0.3 ms of a proof's start
    return getattr(sys.modules[module], function)


class Command:
    """A command whose arguments are data: ``arguments`` holds ``(flags, options)`` pairs as
    ``add_argument(*flags, **options)`` takes them (the action ``"boolean"`` standing for
    ``argparse.BooleanOptionalAction``); ``dest`` is the group's sub-parser dest, ``func`` runs
    the command. :meth:`add` builds its parser from them and :func:`read_plain` reads its plain
    forms, so the two never disagree on a name or a default."""

    def __init__(self, dest: str, name: str, help: str, func: Callable[..., int | None],
                 arguments: Sequence[tuple[tuple[str, ...], dict]]) -> None:
        self.dest, self.name, self.help, self.func, self.arguments = dest, name, help, func, arguments

    def add(self, subparsers) -> argparse.ArgumentParser:
        """Add the command's parser to ``subparsers`` (made with ``dest=self.dest``)."""
        import argparse

        parser = subparsers.add_parser(self.name, help=self.help)
        for flags, options in self.arguments:
            if options.get("action") == "boolean":
                options = {**options, "action": argparse.BooleanOptionalAction}
            parser.add_argument(*flags, **options)
        parser.set_defaults(func=self.func)
        return parser


PLAIN_OPTIONS = {"help", "metavar", "choices", "default", "action"}  # what read_plain reads; others: argparse


def read_plain(command: Command, argv: Sequence[str]) -> dict | None:
    """The values argparse parses from ``argv`` (the command's own arguments) when each is in a
    plain form, else None: positionals, and options spelled in full (``--check all``,
    ``--check=all``, ``--profile``, ``--no-self-check``) with a valid value that does not begin
    with ``-``. Anything else (``-h``, an abbreviation, ``--``, a missing or extra positional, a
    value out of its choices) is argparse's to parse, print help for or refuse.

    >>> spec = Command("sub", "run", "run it", print, [(("path",), {}), (("--fast",), {"action": "store_true"})])
    >>> read_plain(spec, ["a.txt", "--fast"])
    {'path': 'a.txt', 'fast': True}
    >>> read_plain(spec, ["a.txt", "--fas"]) is None  # an abbreviation: argparse's
    True
    """
    names, values, flags_of = [], {}, {}
    for flags, options in command.arguments:
        if not options.keys() <= PLAIN_OPTIONS or options.get("action") not in (None, "store_true", "boolean"):
            return None
        if not flags[0].startswith("-"):
            names.append(flags[0])
            continue
        long = [flag for flag in flags if flag.startswith("--")]
        if not long:
            return None
        dest = long[0][2:].replace("-", "_")  # as argparse names it
        values[dest] = options.get("default", False if options.get("action") == "store_true" else None)
        for flag in flags:
            flags_of[flag] = (dest, options, True)
            if options.get("action") == "boolean" and flag.startswith("--"):  # argparse negates long flags only
                flags_of["--no-" + flag[2:]] = (dest, options, False)
    positionals, i = [], 0
    while i < len(argv):
        word = argv[i]
        i += 1
        if not word.startswith("-"):
            positionals.append(word)
            continue
        flag, equals, value = word.partition("=")
        if flag not in flags_of:
            return None
        dest, options, on = flags_of[flag]
        if options.get("action") is not None:
            if equals:
                return None
            values[dest] = on
            continue
        if not equals:
            if i == len(argv):
                return None
            value, i = argv[i], i + 1
        if not value or value.startswith("-") or value not in options.get("choices", (value,)):
            return None
        values[dest] = value
    if len(positionals) != len(names):
        return None
    return {**dict(zip(names, positionals)), **values}


def register_measure(parser: argparse.ArgumentParser) -> None:
    """The ``measure`` command group: the numbers of a room's documentation page."""
    rooms = parser.add_subparsers(dest="measure_room", required=True)
    for target in MEASUREMENTS.values():
        _load(target)(rooms)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command group built (``command`` None); with only ``command``'s when
    it names a group; else with every group listed by its name and help line, built only as far
    as ``prozchain --help`` and argparse's usage errors read it."""
    from prozchain.cli.parsers import Parser

    parser = Parser(prog="prozchain", description="ProzChain L2 workbench")
    subparsers = parser.add_subparsers(dest=DEST, required=True)
    for name in [command] if command in GROUPS else sorted(GROUPS):
        target, help_line = GROUPS[name]
        group = subparsers.add_parser(name, help=help_line)
        if command is None or command == name:
            _load(target)(group)
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


def run(command: Callable[[argparse.Namespace], int | None], args: argparse.Namespace) -> int:
    """Run one command under the error wrapper and return its exit code (see the module's
    docstring)."""
    try:
        return int(command(args) or 0)
    except NegativeAnswer as exc:
        return _fail(exc, 1)
    except _input_errors() as exc:
        return _fail(exc, 2)


def _input_errors() -> tuple[type[BaseException], ...]:
    """The errors that mean bad input (exit code 2); json's decoding error among them once json
    is loaded (a one-shot proof never loads it, and nothing raises it before)."""
    decoder = sys.modules.get("json.decoder")
    return (ProzError, OSError, UnicodeError) + ((decoder.JSONDecodeError,) if decoder else ())


def parse_plain(argv: Sequence[str]) -> SimpleNamespace | None:
    """``argv`` parsed without argparse when it runs a command of :data:`PLAIN` in a plain form
    (:func:`read_plain`), as argparse parses it; else None."""
    if tuple(argv[:2]) not in PLAIN:
        return None
    command = _load(PLAIN[tuple(argv[:2])])
    values = read_plain(command, argv[2:])
    if values is None:
        return None
    return SimpleNamespace(**{DEST: argv[0], command.dest: argv[1]}, **values, func=command.func)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``prozchain`` command and return its exit code."""
    own = argv is None
    argv = list(sys.argv[1:] if own else argv)
    plain = parse_plain(argv)
    args = plain or build_parser(argv[0] if argv else "").parse_args(argv)
    if own:
        # This process runs one command and ends. What is alive now (the modules, their classes
        # and functions, the parser) lives until the end anyway: frozen, the garbage collector
        # no longer walks it, in the command's collections or in the one at exit (3 ms of a
        # small proof's CPU). What the command makes is still collected: the collector runs
        # again from here (the installed script starts the process with it off).
        gc.freeze()
        gc.enable()
    code = run(args.func, args)
    if own and plain is not None:
        _end_now(code)
    return code


def _end_now(code: int) -> None:
    """End the process with ``code`` without the interpreter's finalization, when it has nothing
    left to do but free memory that the process's end frees anyway (2.5 ms of a small proof's
    wall and CPU): after a plain command (:data:`PLAIN`, whose files are closed when it returns),
    with no exit handler registered and no thread started. Otherwise, or if the standard streams
    cannot be flushed, the interpreter ends as usual."""
    import atexit

    pending = getattr(atexit, "_ncallbacks", lambda: 1)()  # CPython's count; elsewhere assume some
    if pending or "threading" in sys.modules:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe or stream: the usual exit reports it
        return
    os._exit(code)
