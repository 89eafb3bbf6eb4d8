"""Every command the README and the pages of docs/ show runs as shown.

Each line of a plain code block (```, ```sh, ```console) that starts with ``prozchain `` or
``python -m prozchain`` runs, in the page's order, in one scratch folder per page, and must end
with the exit code its comment names (``# ... exit 1``), 0 otherwise. ``[--flag value]`` marks
optional arguments: they are passed. What a page leaves to the reader (its own circuit, a
powers-of-tau file, the checkout's ``circuits/``) is provided in the folder (:func:`inputs`), and
a benchmark that runs for minutes is run smaller through :data:`SMALLER`; nothing else is changed
and nothing is skipped.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
SHELL_FENCES = ("", "sh", "bash", "shell", "console")
PROZCHAIN = shutil.which("prozchain", path=str(Path(sys.executable).parent)) or "prozchain"

# bench/ keeps its npm packages and built circuits in its own folder: one worker at a time (tests/conftest.py)
pytestmark = pytest.mark.xdist_group("bench-folder")

# (as shown, as run): the only commands not run exactly as the page shows them.
SMALLER = {
    "prozchain bench prove --sizes 10,12,14,16,18 --runs 3": "prozchain bench prove --sizes 10 --runs 1",
    "prozchain bench prove circuit.zkey witness.wtns --runs 3":
        "prozchain bench prove circuit.zkey witness.wtns --runs 1",
    "prozchain bench witness --cases chain16,chain18,merkle20,batch --runs 5 --states quiet,busy":
        "prozchain bench witness --cases chain6,merkle3 --runs 1 --states quiet,busy",
    "prozchain bench rollup --workers 1,2 [--scheduler ADDRESS] [--json rollup.json]":
        "prozchain bench rollup --workers 1 --slots 1 --depth 2 --batches 1 --json rollup.json",
    "prozchain measure sidechain --zk 4,16,64,128": "prozchain measure sidechain --zk 4",
    "prozchain bench serve --sizes 10,12,14 --proofs 10 --clients 1,2 [--tables 0,512] [--unix] [--json serve.json]":
        "prozchain bench serve --sizes 10 --proofs 2 --clients 1 --tables 0,512 --unix --json serve.json",
    "prozchain bench prove --circom --sizes 10,12,14,16 --snarkjs-max 14":
        "prozchain bench prove --circom --sizes 6 --runs 1 --snarkjs-max 14",
}


def commands(page: Path) -> list[tuple[str, list[str], int]]:
    """The page's commands: (the line as shown, the arguments run, the expected exit code)."""
    found = []
    for fence, body in FENCE.findall(page.read_text()):
        if fence not in SHELL_FENCES:
            continue
        for line in body.splitlines():
            if not line.startswith(("prozchain ", "python -m prozchain")):
                continue
            command, _, comment = line.partition("#")
            command = " ".join(command.split())
            expected = re.search(r"\bexit (\d)", comment)
            args = shlex.split(re.sub(r"\[([^\]]*)\]", r"\1", SMALLER.get(command, command)))
            args = [PROZCHAIN, *args[1:]] if args[0] == "prozchain" else [sys.executable, *args[1:]]
            found.append((command, args, int(expected.group(1)) if expected else 0))
    return found


SHOWN = {page.name: commands(page) for page in PAGES}


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """What the pages take as the reader's own: ``circuit.r1cs`` and ``witness.wtns`` (the
    README's example circuit, compiled as its circuit block shows), ``pot.ptau`` (``prozchain
    ptau dev 11``, enough for it), and the checkout's ``circuits/`` for the commands that name
    its examples."""
    folder = tmp_path_factory.mktemp("inputs")
    (folder / "circuits").symlink_to(ROOT / "circuits")
    example = ["circuits/examples/merkle_inclusion.py:MerkleInclusion", "--param", "depth=4"]
    for args in (["circuit", "compile", *example, "-o", "build"],
                 ["circuit", "witness", *example, "circuits/examples/merkle_inclusion.input.json", "witness.wtns"],
                 ["ptau", "dev", "11", "pot.ptau"]):
        done = run([PROZCHAIN, *args], folder)
        assert done.returncode == 0, done.stderr
    (folder / "build" / "MerkleInclusion.r1cs").rename(folder / "circuit.r1cs")
    shutil.rmtree(folder / "build")
    (folder / "circuits").unlink()
    return folder


def test_the_pages_show_commands_and_every_smaller_one_is_shown():
    assert len(SHOWN["README.md"]) >= 15 and SHOWN["sidechain.md"], "a page lost its commands"
    shown = {command for page in SHOWN.values() for command, _, _ in page}
    assert set(SMALLER) <= shown, f"SMALLER names commands no page shows: {set(SMALLER) - shown}"


@pytest.mark.parametrize("page", [name for name, shown in SHOWN.items() if shown])
def test_every_command_shown_runs_as_shown(page, inputs, tmp_path):
    for item in inputs.iterdir():
        shutil.copy(item, tmp_path / item.name)
    (tmp_path / "circuits").symlink_to(ROOT / "circuits")
    for command, args, expected in SHOWN[page]:
        done = run(args, tmp_path)
        assert done.returncode == expected, (f"{page}: {command}\nexit {done.returncode}, expected {expected}\n"
                                             f"{done.stdout[-1500:]}\n{done.stderr[-1500:]}")
    if page == "README.md":  # its circuit block writes the witness where it says
        assert (tmp_path / "build" / "witness.wtns").stat().st_size > 0


def test_sidechain_gas_tables_are_what_the_command_prints():
    """The L1 gas is deterministic, so docs/sidechain.md shows every line the command prints."""
    done = run([PROZCHAIN, "measure", "sidechain", "--gas"], ROOT)
    assert done.returncode == 0, done.stderr
    page = set((ROOT / "docs" / "sidechain.md").read_text().splitlines())
    missing = [line for line in done.stdout.splitlines() if line not in page]
    assert not missing, "docs/sidechain.md differs from `prozchain measure sidechain --gas`:\n" + "\n".join(missing)
