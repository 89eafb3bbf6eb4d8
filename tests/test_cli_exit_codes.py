"""Every ``prozchain`` command follows the exit-code rule of :mod:`prozchain.cli`: 0 success, 1 a
negative answer, 2 bad input or usage, a failure being one ``error:`` line on stderr that names
the problem, and never a traceback.

Each command runs with a valid input, an input whose answer is no (where the command gives such
answers) and a malformed one, on a two-constraint circuit written in the DSL, so the module runs
in seconds. Not run to success here, for time: ``demo`` (minutes; ``make demo`` and
tests/bench run it), ``measure sidechain`` without ``--gas`` (the consensus runs take minutes)
and ``explorer``, which serves until stopped (tests/rollup/explorer drive it in a browser).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from prozchain.cli import GROUPS, MEASUREMENTS, build_parser, main
from prozchain.relations.formats.wtns import read_wtns, write_wtns

# bench/ keeps its npm packages and built circuits in its own folder: one worker at a time (tests/conftest.py)
pytestmark = pytest.mark.xdist_group("bench-folder")

SQUARE = """from prozchain.circuits import Circuit
from prozchain.circuits.api import assert_equal


class Square(Circuit):
    def define(self):
        x, y = self.private_input("x"), self.public_input("y")
        assert_equal(x * x, y)


class Sloppy(Circuit):
    def define(self):
        x = self.private_input("x")
        self.output("y", x * x)
        self.private_input("unused")
"""


def prozchain(capsys, *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one command run in this process (argparse's usage
    errors end in SystemExit, as they do for the installed script)."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err, out + err
    return code, out, err


def expect(capsys, code: int, *argv: str, says: str = "") -> str:
    """Run a command, check its exit code, and for a failure that stderr is short and names
    the problem (``says``); returns stdout."""
    got, out, err = prozchain(capsys, *argv)
    assert got == code, f"prozchain {' '.join(map(str, argv))}: exit {got}, want {code}\n{out}\n{err}"
    if code == 2 or says:
        assert says in err, f"{says!r} not in stderr: {err}"
    if code == 2 and not err.startswith("usage:"):
        assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    return out


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """square.py, its input files, a garbage file and a directory to write into."""
    d = tmp_path_factory.mktemp("cli")
    (d / "square.py").write_text(SQUARE)
    (d / "good.json").write_text(json.dumps({"x": "3", "y": "9"}))
    (d / "wrong.json").write_text(json.dumps({"x": "3", "y": "10"}))
    (d / "broken.json").write_text("{")
    (d / "garbage.bin").write_bytes(b"not a container at all")
    return d


@pytest.fixture(scope="module")
def keyed(work: Path) -> Path:
    """``work`` with the circuit compiled, a witness, a dev key, its vk and a proof (made by the
    commands themselves, checked in their own tests below)."""
    target = f"{work / 'square.py'}:Square"
    assert main(["circuit", "compile", target, "-o", str(work)]) == 0
    assert main(["circuit", "witness", target, str(work / "good.json"), str(work / "good.wtns")]) == 0
    assert main(["groth16", "setup", str(work / "Square.r1cs"), "--dev", str(work / "Square.zkey")]) == 0
    assert main(["zkey", "export", "verificationkey", str(work / "Square.zkey"), str(work / "vk.json")]) == 0
    assert main(["groth16", "prove", str(work / "Square.zkey"), str(work / "good.wtns"), str(work / "proof.json"),
                 str(work / "public.json")]) == 0
    values = read_wtns(work / "good.wtns")
    values[-1] += 1  # a witness the circuit refuses: the proof will not verify
    write_wtns(values, work / "bad.wtns")
    (work / "other_public.json").write_text(json.dumps(["10"]))
    return work


def test_every_group_is_covered():
    """A new group or measurement needs its cases here."""
    assert set(GROUPS) == {"bench", "circuit", "compare", "demo", "explorer", "groth16", "measure", "ptau", "r1cs",
                           "scenario", "serve", "tx", "zkey"}
    assert set(MEASUREMENTS) == {"channels", "fees", "messages", "shielded", "sidechain"}


def test_usage_errors_exit_2(capsys):
    expect(capsys, 2)
    expect(capsys, 2, "no-such-group", says="invalid choice")
    for group in GROUPS:
        expect(capsys, 2, group, "--no-such-option")


def test_circuit(capsys, work):
    target = f"{work / 'square.py'}:Square"
    assert "Square: 2 constraints" in expect(capsys, 0, "circuit", "compile", target, "-o", work / "build")
    expect(capsys, 0, "circuit", "info", target)
    expect(capsys, 0, "circuit", "lint", target, "--input", work / "good.json")
    expect(capsys, 0, "circuit", "witness", target, work / "good.json", work / "w.wtns")
    expect(capsys, 1, "circuit", "witness", target, work / "wrong.json", work / "w.wtns", says="wrong.json: ")
    expect(capsys, 1, "circuit", "lint", target, "--input", work / "wrong.json", says="wrong.json: ")
    assert "unused input" in expect(capsys, 1, "circuit", "lint", f"{work / 'square.py'}:Sloppy")
    expect(capsys, 2, "circuit", "witness", target, work / "broken.json", work / "w.wtns", says="broken.json: ")
    expect(capsys, 2, "circuit", "witness", target, work / "missing.json", work / "w.wtns", says="missing.json: ")
    expect(capsys, 2, "circuit", "compile", f"{work / 'square.py'}:Nope", "-o", work, says="'Nope'")
    expect(capsys, 2, "circuit", "info", f"{work / 'nofile.py'}:Square", says="nofile.py: no such file")
    expect(capsys, 2, "circuit", "info", target, "--param", "width=3", says="width")
    expect(capsys, 2, "circuit", "compile", target, "-o", work / "square.py", says="square.py")


def test_circuit_new_txtype(capsys, tmp_path):
    """Its test running green is checked in tests/circuits/test_cli.py."""
    assert "test_tipjar.py" in expect(capsys, 0, "circuit", "new-txtype", "tipjar", "--dir", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test_tipjar.py", "tipjar.py"]
    expect(capsys, 2, "circuit", "new-txtype", "Tip-Jar", "--dir", tmp_path, says="type name 'Tip-Jar': use lowercase")
    expect(capsys, 2, "circuit", "new-txtype", "transfer", "--dir", tmp_path, says="'transfer' is already registered")
    expect(capsys, 2, "circuit", "new-txtype", "tipjar", "--dir", tmp_path, says="tipjar.py exists; not overwritten")


def test_r1cs_and_zkey(capsys, keyed):
    assert "# of Constraints: 2" in expect(capsys, 0, "r1cs", "info", keyed / "Square.r1cs")
    expect(capsys, 2, "r1cs", "info", keyed / "garbage.bin", says="garbage.bin")
    expect(capsys, 2, "r1cs", "info", keyed / "missing.r1cs", says="missing.r1cs")
    expect(capsys, 0, "zkey", "export", "verificationkey", keyed / "Square.zkey", keyed / "vk2.json")
    assert json.loads((keyed / "vk2.json").read_text()) == json.loads((keyed / "vk.json").read_text())
    expect(capsys, 2, "zkey", "export", "verificationkey", keyed / "garbage.bin", keyed / "vk3.json",
           says="garbage.bin")
    expect(capsys, 2, "zkey", "export", "verificationkey", keyed / "Square.zkey", keyed / "no" / "vk.json",
           says="vk.json")
    expect(capsys, 0, "zkey", "export", "solidityverifier", keyed / "Square.zkey", keyed / "verifier.sol")
    assert "function verifyProof(" in (keyed / "verifier.sol").read_text()
    expect(capsys, 2, "zkey", "export", "solidityverifier", keyed / "garbage.bin", keyed / "v.sol", says="garbage.bin")
    assert expect(capsys, 0, "zkey", "export", "soliditycalldata", keyed / "public.json", keyed / "proof.json").count("0x") == 9
    expect(capsys, 2, "zkey", "export", "soliditycalldata", keyed / "broken.json", keyed / "proof.json",
           says="broken.json")
    expect(capsys, 2, "zkey", "export", "soliditycalldata", keyed / "public.json", keyed / "vk.json", says="vk.json")


def test_ptau_and_setup(capsys, keyed):
    assert "INSECURE" in expect(capsys, 0, "ptau", "dev", "3", keyed / "pot3.ptau", "--seed", "1")
    expect(capsys, 0, "groth16", "setup", keyed / "Square.r1cs", keyed / "pot3.ptau", keyed / "phase2.zkey")
    expect(capsys, 2, "ptau", "dev", "28", keyed / "big.ptau", says="power 28 is out of range")
    expect(capsys, 2, "ptau", "dev", "3", keyed / "no" / "x.ptau", says="cannot write")
    expect(capsys, 2, "ptau", "dev", "three", keyed / "x.ptau", says="invalid int value")
    expect(capsys, 2, "groth16", "setup", keyed / "Square.r1cs", keyed / "garbage.bin", keyed / "k.zkey",
           says="garbage.bin")
    expect(capsys, 2, "groth16", "setup", keyed / "broken.json", "--dev", keyed / "k.zkey", says="broken.json")
    expect(capsys, 2, "groth16", "setup", keyed / "Square.r1cs", keyed / "k.zkey", says="usage: prozchain groth16 setup")


def test_groth16_prove_and_verify(capsys, keyed):
    proof, public = keyed / "p.json", keyed / "pub.json"
    expect(capsys, 0, "groth16", "prove", keyed / "Square.zkey", keyed / "good.wtns", proof, public)
    expect(capsys, 1, "groth16", "prove", keyed / "Square.zkey", keyed / "bad.wtns", proof, public,
           says="Square.zkey: ")
    expect(capsys, 2, "groth16", "prove", keyed / "Square.zkey", keyed / "bad.wtns", proof, public,
           "--r1cs", keyed / "Square.r1cs", says="constraint 0 is not satisfied")
    expect(capsys, 2, "groth16", "prove", keyed / "Square.zkey", keyed / "garbage.bin", proof, public,
           says="garbage.bin")
    expect(capsys, 2, "groth16", "prove", keyed / "garbage.bin", keyed / "good.wtns", proof, public,
           says="garbage.bin")
    vk = keyed / "vk.json"
    assert "OK" in expect(capsys, 0, "groth16", "verify", vk, keyed / "public.json", keyed / "proof.json")
    assert "Invalid proof" in expect(capsys, 1, "groth16", "verify", vk, keyed / "other_public.json",
                                     keyed / "proof.json")
    expect(capsys, 2, "groth16", "verify", vk, keyed / "public.json", keyed / "broken.json", says="broken.json: ")
    expect(capsys, 2, "groth16", "verify", vk, keyed / "public.json", keyed / "missing.json", says="missing.json")
    expect(capsys, 2, "groth16", "verify", keyed / "proof.json", keyed / "public.json", keyed / "proof.json",
           says="proof.json: ")


def test_serve(capsys, keyed, monkeypatch):
    """Until interrupted (here at once): tests/prover/test_serve.py proves through it."""
    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr("prozchain.prover.serve.ProverServer.serve_forever", interrupted)
    monkeypatch.setattr("prozchain.prover.serve.UnixProverServer.serve_forever", interrupted)
    assert "serving 1 key(s)" in expect(capsys, 0, "serve", keyed / "Square.zkey", "--port", "0")
    assert "on unix:" in expect(capsys, 0, "serve", keyed / "Square.zkey", "--unix", keyed / "s.sock", "--tables", "0")
    assert not (keyed / "s.sock").exists()  # the socket file goes with the server
    expect(capsys, 2, "serve", keyed / "Square.zkey", "--unix", keyed / "Square.zkey", says="not a socket")
    expect(capsys, 2, "serve", keyed / "Square.zkey", "--tables", "-1", says="--tables")
    expect(capsys, 2, "bench", "serve", "--tables", "x", says="--tables 'x'")
    expect(capsys, 2, "serve", keyed / "garbage.bin", "--port", "0", says="garbage.bin")
    expect(capsys, 2, "serve", keyed / "missing.zkey", "--port", "0", says="missing.zkey")
    expect(capsys, 2, "serve", keyed / "Square.zkey", "--port", "-1", says="port")
    expect(capsys, 2, "bench", "serve", "--clients", "x", says="--clients 'x'")
    expect(capsys, 2, "bench", "serve", "--sizes", "x", "--clients", "1", says="--sizes 'x'")


def test_scenario(capsys, work):
    assert "l1-crash-restart" in expect(capsys, 0, "scenario", "list")
    expect(capsys, 0, "scenario", "run", "l1-crash-restart", "--seed", "3", "--json", work / "result.json")
    expect(capsys, 1, "scenario", "run", "l1-crash-restart", "--seed", "3", "--param", "defense=off",
           says="FAILED with seed 3")
    expect(capsys, 2, "scenario", "run", "no-such-scenario", says="no-such-scenario")
    expect(capsys, 2, "scenario", "run", "l1-crash-restart", "--param", "nonsense", says="KEY=VALUE")
    expect(capsys, 2, "scenario", "run", "l1-crash-restart", "--param", "defense=maybe", says="defense")
    expect(capsys, 2, "scenario", "run", "l1-crash-restart", "--json", work / "no" / "r.json", says="r.json")


def test_bench(capsys, keyed):
    assert "msm_g1" in expect(capsys, 0, "bench", "msm", "--sizes", "4", "--impls", "native", "--runs", "1")
    expect(capsys, 2, "bench", "msm", "--sizes", "four", says="--sizes 'four'")
    given = ["--runs", "1", "--no-plot", "--out", keyed / "bench"]
    expect(capsys, 0, "bench", "prove", keyed / "Square.zkey", keyed / "good.wtns", *given)
    assert "no valid proof" in expect(capsys, 1, "bench", "prove", keyed / "Square.zkey", keyed / "bad.wtns", *given)
    expect(capsys, 2, "bench", "prove", keyed / "Square.zkey", *given, says="give both")
    expect(capsys, 2, "bench", "prove", "--sizes", "x", *given, says="--sizes 'x'")
    assert "outputs equal" in expect(capsys, 0, "bench", "witness", "--cases", "chain4", "--runs", "1")
    expect(capsys, 2, "bench", "witness", "--cases", "chain1", says="--cases: unknown case 'chain1'")
    expect(capsys, 2, "bench", "witness", "--states", "idle", says="--states: unknown state 'idle'")
    tiny = ["--slots", "1", "--depth", "2", "--batches", "1"]
    assert "transfers/s" in expect(capsys, 0, "bench", "rollup", "--workers", "1", *tiny)
    expect(capsys, 2, "bench", "rollup", "--workers", "1", "--scheduler", "tcp://127.0.0.1:9", *tiny,
           says="--scheduler tcp://127.0.0.1:9: cannot use the cluster")
    expect(capsys, 2, "bench", "rollup", "--workers", "0", says="every count must be at least 1")
    expect(capsys, 2, "bench", "rollup", "--workers", "x", says="--workers 'x'")


def test_demo_usage(capsys):
    expect(capsys, 2, "demo", "--seed", "x", says="invalid int value")


def test_explorer_usage(capsys, work):
    """The explorer serves until stopped, so only its refusals run here (its pages and its
    screenshots are tested in the browser: tests/rollup/explorer)."""
    expect(capsys, 2, "explorer", says="--scenario")
    expect(capsys, 2, "explorer", "--scenario", "no-such-scenario", says="no-such-scenario")
    expect(capsys, 2, "explorer", "--scenario", "l1-crash-restart", "--param", "defense=maybe", says="defense")
    expect(capsys, 2, "explorer", "--db", work / "missing.sqlite", says="missing.sqlite")
    expect(capsys, 2, "explorer", "--db", work / "garbage.bin", says="garbage.bin")
    expect(capsys, 2, "explorer", "--port", "x", says="invalid int value")
    expect(capsys, 2, "explorer", "--scenario", "l1-crash-restart", "--stages", work / "none.db", says="none.db")


def test_tx_status(capsys, work):
    """A transaction the store holds (0), one it does not or one the layer refused (1), a missing
    store or a malformed id (2)."""
    from prozchain.rollup.l1.crypto import keccak256
    from prozchain.rollup.sdk.stages import EXECUTED, StageStore
    from prozchain.rollup.sim.store import SqliteStore

    db, ok, refused = str(work / "stages.db"), "0x" + "ab" * 32, "0x" + "cd" * 32
    store = StageStore(db)
    store.begin(ok, "zk rollup", "transfer", at=1.0)
    store.mark(ok, EXECUTED, 2.0, "in the operator's mempool")
    store.begin(refused, "l1", "call", at=3.0)
    store.fail(refused, "reverted")
    store.close()
    assert "executed" in expect(capsys, 0, "tx", "status", ok, "--db", db)
    assert json.loads(expect(capsys, 0, "tx", "status", ok.upper().replace("0X", "0x"), "--db", db, "--json"))["stage"] == "executed"
    assert ok in expect(capsys, 0, "tx", "status", "--db", db)
    expect(capsys, 1, "tx", "status", "0x" + "ee" * 32, "--db", db, says="no transaction")
    expect(capsys, 1, "tx", "status", refused, "--db", db, says="refused it: reverted")
    expect(capsys, 2, "tx", "status", ok, "--db", str(work / "none.db"), says="no such stage store")
    expect(capsys, 2, "tx", "status", "0x12", "--db", db, says="0x and 64 hex digits")
    expect(capsys, 2, "tx", "status", ok, says="--db")
    sequencer, raw = work / "opt-sequencer.sqlite", bytes.fromhex("c0ffee")  # an agent's own store
    agent = SqliteStore(str(sequencer))
    agent.put("tx/" + keccak256(raw).hex(), [0, raw.hex()])
    agent.close()
    held = "0x" + keccak256(raw).hex()
    assert "accepted by the sequencer" in expect(capsys, 0, "tx", "status", held, "--db", db, "--db", sequencer)
    assert ok in expect(capsys, 0, "tx", "status", "--db", db, "--db", sequencer)
    expect(capsys, 1, "tx", "status", ok, "--db", sequencer, says="no transaction")


def test_measure(capsys):
    out = expect(capsys, 0, "measure", "channels", "--updates", "10", "--nodes", "20", "--payments", "4")
    assert "L1 gas, penalty" in out
    expect(capsys, 2, "measure", "channels", "--nodes", "x", says="invalid int value")
    assert "app: force-move with a proof" in expect(capsys, 0, "measure", "channels", "--app", "--proofs", "1")
    expect(capsys, 2, "measure", "channels", "--app", "--proofs", "0", says="--proofs must be at least 1")
    expect(capsys, 2, "measure", "nowhere", says="invalid choice")
    assert "fraud proof" in expect(capsys, 0, "measure", "sidechain", "--gas")
    expect(capsys, 2, "measure", "sidechain", "--validators", "4", says="unrecognized arguments")
    assert "sidechain (staking): relay" in expect(capsys, 0, "measure", "messages")
    expect(capsys, 2, "measure", "messages", "--quick", says="unrecognized arguments")
    assert "private transfer" in expect(capsys, 0, "measure", "shielded", "--depth", "4", "--proofs", "1")
    expect(capsys, 2, "measure", "shielded", "--depth", "0", says="--depth")
    expect(capsys, 2, "measure", "sidechain", "--zk", "4,x", says="comma-separated set sizes")
    expect(capsys, 2, "measure", "sidechain", "--zk", "0", says="at least one validator")
    assert "| optimistic |" in expect(capsys, 0, "measure", "fees", "--layers", "optimistic", "--hours", "4")
    expect(capsys, 2, "measure", "fees", "--layers", "mars", says="no layer mars")
    expect(capsys, 2, "measure", "fees", "--hours", "2", says="at least 4 hours")


def test_compare(capsys):
    """``compare layers`` on the channel alone (the other layers run for seconds each; the docs'
    table is the full run): valid, a layer it refuses, malformed."""
    rows = json.loads(expect(capsys, 0, "compare", "layers", "--layers", "channel", "--json"))
    assert [row["layer"] for row in rows] == ["L1", "channel"] and rows[1]["withdraw_gas"] > 0
    expect(capsys, 2, "compare", "layers", "--layers", "nowhere", says="no layer nowhere")
    expect(capsys, 2, "compare", "layers", "--seed", "x", says="invalid int value")
    expect(capsys, 2, "compare", "layers", "--fee-hours", "2", says="at least 4 hours")


def test_the_installed_script_and_module_follow_the_rule(work):
    """The console script and ``python -m prozchain.cli`` end in the same wrapper."""
    commands = [[sys.executable, "-m", "prozchain.cli"]]
    script = shutil.which("prozchain", path=str(Path(sys.executable).parent))
    if script:
        commands.append([script])
    for command in commands:
        run = subprocess.run([*command, "r1cs", "info", str(work / "garbage.bin")], capture_output=True, text=True,
                             timeout=120)
        assert run.returncode == 2 and run.stderr.startswith("error: ") and "garbage.bin" in run.stderr, run.stderr
        assert "Traceback" not in run.stderr


def test_help_lists_the_groups_without_building_them():
    """``prozchain --help`` and the top level's usage errors read :data:`GROUPS` alone: the same
    text as the parser with every group built, and no group's module imported; a group built
    alone, for its own commands, has the same help as in the full parser."""
    full = build_parser()
    groups = next(a for a in full._actions if a.dest == "command").choices
    assert build_parser("").format_help() == full.format_help()
    assert build_parser("no-such-group").format_usage() == full.format_usage()
    for name, parser in groups.items():
        alone = next(a for a in build_parser(name)._actions if a.dest == "command").choices[name]
        assert alone.format_help() == parser.format_help(), name
    modules = sorted({target.partition(":")[0] for target, _ in GROUPS.values()} - {"prozchain.cli"})
    code = ("import sys\nfrom prozchain.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            f"print([m for m in {modules!r} if m in sys.modules])\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.splitlines()[-1] == "[]", run.stdout + run.stderr


def test_every_subcommand_is_listed():
    """The parser's commands are the ones tested above."""
    parser = build_parser()
    groups = next(a for a in parser._actions if a.dest == "command").choices
    subcommands = {name: sorted(next((a.choices for a in p._actions if getattr(a, "choices", None)), {}))
                   for name, p in groups.items()}
    assert subcommands == {
        "bench": ["msm", "prove", "rollup", "serve", "witness"],
        "circuit": ["compile", "info", "lint", "new-txtype", "witness"],
        "compare": ["layers"], "demo": [], "explorer": [],
        "groth16": ["prove", "setup", "verify"], "measure": ["channels", "fees", "messages", "shielded", "sidechain"],
        "ptau": ["dev"], "r1cs": ["info"], "scenario": ["list", "run"], "serve": ["all", "none", "sample"],  # serve: its --check
        "tx": ["status"], "zkey": ["export"],
    }
