"""A small proof's ``groth16 prove`` starts without argparse, json or typing: its command line is
read from the same argument definition argparse builds its parser from (prozchain.cli.read_plain),
and its proof.json and public.json are written without json (bounded_json.dumps). Both are
checked against what argparse and json make, on many inputs (tests/prover/test_prove_oneshot.py
checks that the command imports none of the modules it was measured not to need); and a plain
command ends the process at once, its streams flushed."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prozchain.cli import Command, build_parser, parse_plain, read_plain
from prozchain.prover.formats.proof_json import proof_json
from prozchain.prover.groth16.cli import PROVE
from prozchain.relations.formats.bounded_json import dumps, write_json

# words argparse reads in every way: positionals (odd ones too), every option of `groth16 prove`
# spelled in full, with = and without, abbreviated, negated, with bad or missing values
WORDS = ["c.zkey", "w.wtns", "proof.json", "public.json", "", "x=y", "a b", "-", "-5", "--", "-h", "--help",
         "--profile", "--profile=1", "--prof", "--no-profile", "--check", "all", "sample", "none", "bad", "--check=all",
         "--check=none", "--check=", "--check=-x", "--r1cs", "c.r1cs", "--r1cs=c.r1cs", "--r1cs=", "--r1cs=-y",
         "--self-check", "--no-self-check", "--self-check=1", "--no-self", "--overlap", "--no-overlap", "--over"]
OPTIONS = [["--profile"], ["--check", "all"], ["--check=sample"], ["--check", "none"], ["--r1cs", "c.r1cs"],
           ["--r1cs=d.r1cs"], ["--self-check"], ["--no-self-check"], ["--overlap"], ["--no-overlap"]]


def argparse_reading(argv: list[str]) -> dict | None:
    """What argparse makes of ``prozchain groth16 prove ARGV``: its Namespace's values, or None
    when it refuses or prints help (it exits)."""
    parser = build_parser("groth16")
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        try:
            return vars(parser.parse_args(["groth16", "prove", *argv]))
        except SystemExit:
            return None


def check_agrees(argv: list[str]) -> bool:
    """parse_plain reads ``argv`` as argparse does, or leaves it to argparse; True if it read it."""
    plain = parse_plain(["groth16", "prove", *argv])
    if plain is not None:
        assert vars(plain) == argparse_reading(argv), argv
    return plain is not None


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=9))
def test_any_command_line_is_read_as_argparse_reads_it_or_left_to_argparse(argv):
    check_agrees(argv)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(OPTIONS), max_size=6), st.permutations(range(4)), st.data())
def test_plain_command_lines_are_read_without_argparse(options, order, data):
    """Four positionals with any options before, between and after them: all read here, as
    argparse reads them (the last of a repeated option wins in both)."""
    words = [[["c.zkey", "w.wtns", "proof.json", "public.json"][i]] for i in order]
    for option in options:
        at = data.draw(st.integers(0, len(words)))
        words[at:at] = [option]
    argv = [word for unit in words for word in unit]
    assert check_agrees(argv), argv


def test_the_plain_reader_takes_its_definition_from_argparses():
    """Every option argparse has for `groth16 prove` is one read_plain knows, with the same default."""
    parser = build_parser("groth16")
    prove = parser._subparsers._group_actions[0].choices["groth16"]._subparsers._group_actions[0].choices["prove"]
    defaults = {a.dest: a.default for a in prove._actions if a.option_strings and a.dest != "help"}
    assert read_plain(PROVE, ["a", "b", "c", "d"]) == {"zkey": "a", "witness": "b", "proof": "c", "public": "d",
                                                       **defaults}
    assert defaults == {"profile": False, "check": "sample", "r1cs": None, "self_check": True, "overlap": False}


def test_a_definition_it_cannot_read_goes_to_argparse():
    spec = Command("sub", "run", "run it", print, [(("paths",), {"nargs": "+"})])
    assert read_plain(spec, ["a"]) is None


# JSON values of every kind, strings of any characters: what json writes as is goes through
# dumps's own writer, anything else to json; both must give json's bytes
JSON = st.recursive(st.one_of(st.text(max_size=6), st.sampled_from(["0", "1", "groth16", "bn128"]),
                              st.integers(), st.none(), st.booleans(), st.floats(allow_nan=False)),
                    lambda inner: st.one_of(st.lists(inner, max_size=4),
                                            st.dictionaries(st.text(max_size=4), inner, max_size=4)),
                    max_leaves=20)


@settings(max_examples=1000, deadline=None)
@given(JSON)
def test_dumps_writes_what_json_writes(value):
    assert dumps(value) == json.dumps(value, indent=1)


FIELD = st.integers(0, 2**254)
POINT1 = st.one_of(st.none(), st.tuples(FIELD, FIELD))
POINT2 = st.one_of(st.none(), st.tuples(st.tuples(FIELD, FIELD), st.tuples(FIELD, FIELD)))


@settings(max_examples=300, deadline=None)
@given(POINT1, POINT2, POINT1, st.lists(FIELD, max_size=5))
def test_proof_and_public_files_are_byte_for_byte_jsons(tmp_path_factory, a, b, c, public):
    folder = tmp_path_factory.mktemp("json")
    for name, value in (("proof.json", proof_json(a, b, c)), ("public.json", [str(v) for v in public])):
        write_json(folder / name, value)
        assert (folder / name).read_text() == json.dumps(value, indent=1) + "\n"


# what a one-shot proof was measured not to need (each 0.2-6 ms of its start), beside
# test_prove_oneshot's list
def test_pairing_stays_the_function_when_its_module_is_imported_first():
    """prozchain.prover binds its names lazily; ``pairing`` is also a submodule's name."""
    code = ("import prozchain.prover.pairing as module, sys\nfrom prozchain import prover\n"
            "assert callable(prover.pairing) and prover.pairing is sys.modules['prozchain.prover.pairing'].pairing\n"
            "from prozchain.prover import G1Point, G2Point, pairing\n"
            "assert pairing(G1Point.generator(), G2Point.generator()) == prover.pairing(G1Point.generator(), "
            "G2Point.generator())\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def toy_files(tmp_path):
    from prozchain.prover.formats.zkey import write_zkey
    from prozchain.prover.groth16.setup import dev_setup, toy_r1cs
    from prozchain.relations.formats.wtns import write_wtns

    write_zkey(tmp_path / "toy.zkey", dev_setup(toy_r1cs(), seed=1))
    write_wtns([1, 27, 3, 9], tmp_path / "toy.wtns")
    return [str(tmp_path / name) for name in ("toy.zkey", "toy.wtns", "proof.json", "public.json")]


@pytest.mark.parametrize("handler", [False, True])
def test_a_plain_command_ends_the_process_at_once_unless_an_exit_handler_waits(toy_files, handler):
    """After a plain command the process ends without the interpreter's finalization (nothing
    after main() runs), its streams flushed; an exit handler, if any, still runs."""
    code = ("import atexit, sys\n"
            + ("atexit.register(lambda: print('handler ran', flush=True))\n" if handler else "")
            + f"sys.argv = ['prozchain', 'groth16', 'prove', '--profile', *{toy_files!r}]\n"
            "from prozchain.cli import main\nprint('proving', end='')\ncode = main()\nprint('after main', code)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "total" in result.stderr  # the profile, flushed
    assert result.stdout.startswith("proving")  # printed without a newline before the end: flushed
    assert ("after main 0" in result.stdout) == handler and ("handler ran" in result.stdout) == handler
    assert json.loads(open(toy_files[3]).read()) == ["27"]
    assert set(json.loads(open(toy_files[2]).read())) == {"pi_a", "pi_b", "pi_c", "protocol", "curve"}


def test_the_installed_command_ends_with_each_exit_code(toy_files, tmp_path):
    command = [str(Path(sys.executable).with_name("prozchain")), "groth16", "prove"]
    ok = subprocess.run(command + toy_files, capture_output=True, text=True)
    assert (ok.returncode, ok.stderr) == (0, "")
    missing = subprocess.run(command + toy_files[:2] + [str(tmp_path / "no" / "proof.json"), toy_files[3]],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and missing.stderr.startswith("error: ") and "proof.json" in missing.stderr


def test_the_collector_is_on_again_once_the_command_runs():
    """The installed script turns the garbage collector off while the modules load; main()
    turns it back on before the command runs (a long command must not grow without it)."""
    code = ("import gc, sys\ngc.disable()\nsys.argv = ['prozchain', 'r1cs', 'info', 'missing.r1cs']\n"
            "from prozchain.cli import main\ncode = main()\nprint(gc.isenabled(), code)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["True", "2"], result.stderr
    assert "gc.disable()" in (Path(sys.executable).with_name("prozchain")).read_text()
