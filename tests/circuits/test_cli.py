"""``prozchain circuit ...`` end to end, through the installed entry point."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from prozchain.circuits.examples import merkle_inclusion
from prozchain.relations.formats import read_r1cs, read_wtns

EXAMPLE = merkle_inclusion.__file__ + ":MerkleInclusion"
SAMPLE = Path(merkle_inclusion.__file__).with_name("merkle_inclusion.input.json")


def prozchain(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "prozchain.cli", "circuit", *args], capture_output=True, text=True, timeout=120
    )


def test_compile_then_witness_round_trip(tmp_path):
    result = prozchain("compile", EXAMPLE, "--param", "depth=4", "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr
    r1cs = read_r1cs(tmp_path / "MerkleInclusion.r1cs")
    assert r1cs.n_constraints == 969 and "MerkleInclusion.siblings[3]" in (tmp_path / "MerkleInclusion.sym").read_text()
    result = prozchain("witness", EXAMPLE, "--param", "depth=4", str(SAMPLE), str(tmp_path / "w.wtns"))
    assert result.returncode == 0, result.stderr
    r1cs.check(read_wtns(tmp_path / "w.wtns"))


def test_witness_errors_name_the_signal_or_constraint(tmp_path):
    sample = json.loads(SAMPLE.read_text())
    cases = [
        ({k: v for k, v in sample.items() if k != "leaf"}, "input signal 'leaf' is missing"),
        (dict(sample, leaf="1"), "constraint .* fails \\(MerkleInclusion/merkle_inclusion at"),
        (dict(sample, siblings=sample["siblings"][:3]), "'siblings' has shape \\(3,\\)"),
    ]
    for inputs, message in cases:
        path = tmp_path / "in.json"
        path.write_text(json.dumps(inputs))
        result = prozchain("witness", EXAMPLE, "--param", "depth=4", str(path), str(tmp_path / "w.wtns"))
        assert result.returncode == 1
        assert re.search(message, result.stderr), result.stderr


def test_info_and_lint(tmp_path):
    info = prozchain("info", EXAMPLE, "--param", "depth=3")
    assert info.returncode == 0 and "merkle_root/poseidon(2)" in info.stdout and "727" in info.stdout
    clean = prozchain("lint", EXAMPLE, "--param", "depth=3")
    assert (clean.returncode, clean.stdout.strip()) == (0, "no findings")
    sloppy = tmp_path / "sloppy.py"
    sloppy.write_text(
        "from prozchain.circuits import Circuit, hint\n"
        "class Sloppy(Circuit):\n"
        "    def define(self):\n"
        "        x = self.private_input('x')\n"
        "        hint(lambda v: v, [x], name='copy')\n"
        "        self.output('y', x * x)\n"
    )
    found = prozchain("lint", f"{sloppy}:Sloppy")
    assert found.returncode == 1 and "unconstrained hint output" in found.stdout and "'copy'" in found.stdout


def test_usage_errors_exit_2(tmp_path):
    assert prozchain("info", "nofile.py:X").returncode == 2
    assert "no Circuit subclass named 'Nope'" in prozchain("info", merkle_inclusion.__file__ + ":Nope").stderr
    bad_param = prozchain("info", EXAMPLE, "--param", "width=3")
    assert bad_param.returncode == 2 and "does not accept parameters ['width']" in bad_param.stderr


def test_hostile_input_files_exit_2_with_one_line(tmp_path, capsys):
    from prozchain.cli import main

    cases = {
        "deep.json": ("[" * 100_000 + "]" * 100_000, "nested deeper"),
        "digits.json": ('{"leaf": ' + "1" * 5000 + "}", "a JSON number of 5000 characters"),
        "nan.json": ('{"leaf": NaN}', "NaN is not a JSON value"),
    }
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "dir.json").mkdir()
    cases["dir.json"] = ("", "cannot read")
    for name, (_, message) in cases.items():
        code = main(["circuit", "witness", EXAMPLE, "--param", "depth=2", str(tmp_path / name), str(tmp_path / "w.wtns")])
        err = capsys.readouterr().err
        assert code == 2 and len(err.strip().splitlines()) == 1 and f"{name}: " in err and message in err, err


def test_an_input_json_that_is_no_object_of_numbers_exits_2(tmp_path):
    for name, text in (("list.json", "[1]"), ("digits.json", '{"leaf": ' + "9" * 5000 + "}")):
        (tmp_path / name).write_text(text)
        result = prozchain("witness", EXAMPLE, "--param", "depth=2", str(tmp_path / name), str(tmp_path / "w.wtns"))
        assert result.returncode == 2 and name in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_circuits_load_from_files_with_dataclasses_and_from_module_names(tmp_path, capsys):
    """A file loaded by path is registered as a module first (dataclasses and postponed
    annotations need it); ``package.module:Class`` works too; a file that fails to load exits 2
    with one line."""
    from prozchain.cli import main

    batch = Path(__file__).resolve().parents[2] / "circuits" / "txtypes" / "batch.py"
    assert main(["circuit", "info", f"{batch}:BatchCircuit", "--param", "slots=1"]) == 0
    assert "BatchCircuit" in capsys.readouterr().out
    assert main(["circuit", "info", "prozchain.circuits.examples.merkle_inclusion:MerkleInclusion", "--param", "depth=2"]) == 0
    assert "MerkleInclusion" in capsys.readouterr().out
    (tmp_path / "broken.py").write_text("raise ValueError('boom')\n")
    for target, message in ((f"{tmp_path / 'broken.py'}:X", "cannot load it: ValueError: boom"),
                            ("no_such_package.module:X", "no such file or module")):
        assert main(["circuit", "info", target]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and message in err, err


def test_a_new_txtype_scaffold_passes_its_own_test_out_of_the_box(tmp_path):
    """The module and test ``new-txtype`` writes: pytest, run in their folder, proves a batch
    with the new type, verifies it on the reference L1 and rebuilds the state from L1 data."""
    result = prozchain("new-txtype", "cashback", "--dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_cashback.py"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0 and "1 passed" in run.stdout, run.stdout + run.stderr
