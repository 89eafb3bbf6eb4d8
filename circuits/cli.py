"""``prozchain circuit compile|witness|info|lint|new-txtype``: the circuit author's command line, circom-style.

- ``compile FILE.py:Circuit [--param k=v ...] -o DIR`` writes ``DIR/Circuit.r1cs`` and ``DIR/Circuit.sym``;
- ``witness FILE.py:Circuit [--param ...] INPUT.json OUT.wtns`` solves a witness from a circom-style
  input JSON (signal name -> decimal string, or nested lists of them) and checks it;
- ``info FILE.py:Circuit [--param ...]`` prints the per-gadget constraint table;
- ``lint FILE.py:Circuit [--param ...] [--input INPUT.json]`` runs the soundness lint (with an
  input, also the witness-based check of hint outputs);
- ``new-txtype NAME [--dir DIR]`` writes a ZK rollup transaction type, ``DIR/NAME.py``, and its
  test, ``DIR/test_NAME.py``, which proves a batch with it and verifies it on the reference L1
  (see :mod:`prozchain.circuits.txtypes.scaffold`).

Exit codes (through :func:`prozchain.cli.run`): 0 success, 1 inputs the circuit refuses (the
witness fails) or lint findings, 2 a usage error (file, class, parameter) or a malformed input
file. Errors name the input file and the signal or constraint that is wrong.

>>> import prozchain.circuits.examples.merkle_inclusion as example
>>> from prozchain.cli import main
>>> main(["circuit", "info", example.__file__ + ":MerkleInclusion", "--param", "depth=2"])
MerkleInclusion: 485 constraints, 489 wires (0 public outputs, 1 public inputs, 5 private inputs)
gadget                                                    calls      self     total
MerkleInclusion                                               1         0       485
MerkleInclusion/merkle_inclusion                              1         1       485
MerkleInclusion/merkle_inclusion/merkle_root                  1         2       484
MerkleInclusion/merkle_inclusion/merkle_root/cond_swap        2         2         2
MerkleInclusion/merkle_inclusion/merkle_root/poseidon(2)      2       480       480
0
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
from pathlib import Path
from typing import Sequence

from prozchain.circuits import Circuit, CompiledCircuit
from prozchain.circuits.errors import CircuitError
from prozchain.relations.errors import WitnessError
from prozchain.circuits.lint import format_findings, lint
from prozchain.circuits.report import constraint_counts, format_counts
from prozchain.circuits.txtypes import RegistryError
from prozchain.circuits.txtypes.scaffold import new_txtype
from prozchain.cli import NegativeAnswer, UsageError
from prozchain.relations.formats.r1cs import write_r1cs
from prozchain.relations.formats.bounded_json import read_json
from prozchain.relations.formats.sym import write_sym
from prozchain.relations.formats.wtns import write_wtns


def register(parser: argparse.ArgumentParser) -> None:
    """The ``circuit`` command group (listed in :data:`prozchain.cli.GROUPS`)."""
    commands = parser.add_subparsers(dest="circuit_command", required=True)

    def with_target(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("target", metavar="FILE.py:Circuit",
                         help="the circuit class, in a file or an importable module (package.module:Circuit)")
        sub.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                         help="a constructor parameter of the circuit (repeatable)")
        return sub

    compile_parser = with_target("compile", "write DIR/<Circuit>.r1cs and DIR/<Circuit>.sym")
    compile_parser.add_argument("-o", "--output", required=True, metavar="DIR")
    compile_parser.set_defaults(func=compile_command)
    witness = with_target("witness", "solve a witness from an input JSON into a .wtns file")
    witness.add_argument("input", metavar="INPUT.json")
    witness.add_argument("out", metavar="OUT.wtns")
    witness.set_defaults(func=witness_command)
    with_target("info", "print the constraint count per gadget").set_defaults(func=info_command)
    lint_parser = with_target("lint", "report unused and unconstrained wires")
    lint_parser.add_argument("--input", metavar="INPUT.json", help="also test hint outputs at this witness")
    lint_parser.set_defaults(func=lint_command)
    scaffold = commands.add_parser("new-txtype", help="write a ZK rollup transaction type NAME.py and its test")
    scaffold.add_argument("name", metavar="NAME", help="the type's name and module: lowercase letters, digits, _")
    scaffold.add_argument("--dir", default=".", metavar="DIR", help="where to write them (default: the current folder)")
    scaffold.set_defaults(func=new_txtype_command)


def load_circuit(target: str, params: Sequence[str]) -> CompiledCircuit:
    """Import ``FILE.py:Class`` or ``package.module:Class``, build it with the ``NAME=VALUE``
    parameters, and compile it."""
    where, sep, class_name = target.rpartition(":")
    if not sep or not where or not class_name:
        raise UsageError(f"{target!r}: expected FILE.py:Circuit or package.module:Circuit")
    module = _import(where)
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Circuit)):
        raise UsageError(f"{where} has no Circuit subclass named {class_name!r}")
    kwargs = {}
    for item in params:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise UsageError(f"--param {item!r}: expected NAME=VALUE")
        try:
            kwargs[key] = int(value, 0)
        except ValueError:
            kwargs[key] = value
    try:
        circuit = cls(**kwargs)
    except TypeError as exc:
        raise UsageError(f"{class_name} does not accept parameters {sorted(kwargs)}: {exc}") from exc
    return circuit.compile()


def _import(where: str):
    """The module of a file (registered in ``sys.modules`` first, as an import would, so that
    dataclasses and postponed annotations in it resolve) or of a dotted name."""
    path = Path(where)
    try:
        if where.endswith(".py") or path.is_file():
            if not path.is_file():
                raise UsageError(f"{path}: no such file")
            name = "_prozchain_circuit_" + re.sub(r"\W", "_", str(path.resolve().with_suffix("")))
            if name in sys.modules:
                return sys.modules[name]
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)  # type: ignore[union-attr]
            except BaseException:
                del sys.modules[name]
                raise
            return module
        return importlib.import_module(where)
    except UsageError:
        raise
    except ModuleNotFoundError as exc:
        raise UsageError(f"{where}: no such file or module ({exc})") from exc
    except Exception as exc:  # the user's code failed while loading: say where, not a traceback
        raise UsageError(f"{where}: cannot load it: {type(exc).__name__}: {exc}") from exc


def _solve(compiled: CompiledCircuit, path: str) -> list[int]:
    """The witness of the circuit at the inputs of a circom-style input JSON."""
    inputs = read_json(path)  # bounded in size, nesting and number length, as every JSON from outside
    if not isinstance(inputs, dict):
        raise UsageError(f"{path}: the input JSON must be an object (signal name -> value), not {type(inputs).__name__}")
    try:
        return compiled.solve(inputs)
    except (CircuitError, WitnessError) as exc:  # the circuit refuses these inputs: its answer is no
        raise NegativeAnswer(f"{path}: {exc}") from exc


def _summary(c: CompiledCircuit) -> str:
    r = c.r1cs
    return (f"{c.name}: {r.n_constraints} constraints, {r.n_wires} wires ({r.n_outputs} public outputs, "
            f"{r.n_public} public inputs, {r.n_private} private inputs)")


def compile_command(args: argparse.Namespace) -> int:
    compiled = load_circuit(args.target, args.param)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    write_r1cs(compiled.r1cs, out / f"{compiled.name}.r1cs")
    write_sym(map(compiled.wire_label, range(compiled.r1cs.n_wires)), out / f"{compiled.name}.sym")
    print(_summary(compiled))
    print(f"wrote {out / (compiled.name + '.r1cs')} and {out / (compiled.name + '.sym')}")
    return 0


def witness_command(args: argparse.Namespace) -> int:
    compiled = load_circuit(args.target, args.param)
    witness = _solve(compiled, args.input)
    write_wtns(witness, args.out)
    print(f"{compiled.name}: witness of {len(witness)} wires satisfies all {compiled.r1cs.n_constraints} constraints")
    print(f"wrote {args.out}")
    return 0


def info_command(args: argparse.Namespace) -> int:
    compiled = load_circuit(args.target, args.param)
    print(_summary(compiled))
    print(format_counts(constraint_counts(compiled)))
    return 0


def lint_command(args: argparse.Namespace) -> int:
    compiled = load_circuit(args.target, args.param)
    witness = _solve(compiled, args.input) if args.input else None
    findings = lint(compiled, witness)
    print(format_findings(findings))
    return 1 if findings else 0


def new_txtype_command(args: argparse.Namespace) -> int:
    try:
        module, test = new_txtype(args.name, args.dir)
    except (RegistryError, OSError) as exc:  # a bad name, an existing file, a folder we cannot write
        raise UsageError(str(exc)) from exc
    print(f"wrote {module} and {test}; run: pytest {test}")
    return 0
