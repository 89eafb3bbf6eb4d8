"""``prozchain groth16|zkey ...``: snarkjs's Groth16 commands, in snarkjs's argument order.

Exit codes (through :func:`prozchain.cli.run`): 0 success; 1 an invalid proof (verify), or a
proof that failed prove's self-check (written nowhere); 2 a malformed or missing input file, a
key that is not the ``--r1cs`` circuit's, or a witness that violates one of its constraints,
with a one-line reason naming the file on stderr. verify answers on stdout as snarkjs does.

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="prozchain")
>>> sub = parser.add_subparsers()
>>> register(sub.add_parser("groth16")); register_zkey(sub.add_parser("zkey")); register_r1cs(sub.add_parser("r1cs"))
>>> parser.parse_args(["groth16", "verify", "vk.json", "public.json", "proof.json"]).proof
'proof.json'
>>> parser.parse_args(["groth16", "prove", "c.zkey", "w.wtns", "p.json", "pub.json", "--profile"]).profile
True
>>> parser.parse_args(["groth16", "setup", "c.r1cs", "--dev", "c.zkey"]).rest
['c.zkey']
>>> parser.parse_args(["zkey", "export", "verificationkey", "c.zkey", "vk.json"]).verification_key
'vk.json'
"""

from __future__ import annotations

import sys
import time

from prozchain.cli import Command, NegativeAnswer, UsageError
from prozchain.relations.formats.bounded_json import write_json

TYPE_CHECKING = False  # typing's flag without typing: `groth16 prove` imports neither typing nor
if TYPE_CHECKING:  # argparse (prozchain.cli.PLAIN reads its command line)
    import argparse

COMMANDS = "groth16_command"  # the dest of the group's sub-parsers

# The commands import what they use when they run: the one-shot `groth16 prove` loads neither
# the point classes nor numpy.


def verify_command(args: argparse.Namespace) -> int:
    from prozchain.prover.errors import InvalidPublicInputs
    from prozchain.prover.formats.snarkjs_json import read_proof, read_public, read_verification_key
    from prozchain.prover.groth16.verifier import verify

    vk, public, proof = read_verification_key(args.verification_key), read_public(args.public), read_proof(args.proof)
    try:
        ok = verify(vk, public, proof)
    except InvalidPublicInputs as exc:
        raise InvalidPublicInputs(f"{args.public}: {exc}") from None
    print("[INFO] OK!" if ok else "[ERROR] Invalid proof: the pairing check failed")
    return 0 if ok else 1


def prove_command(args: argparse.Namespace) -> int:
    from prozchain.cli import LOADED
    from prozchain.native.core import lib
    from prozchain.prover.groth16.oneshot import prove_files
    from prozchain.prover.groth16.profile import Profile

    profile = Profile()
    profile.add("python_start", LOADED[1])  # CPU seconds before the CLI began loading: the interpreter's start
    profile.add("imports", time.perf_counter() - LOADED[0])
    # the numpy-free path first: it proves what it accepts and leaves the rest (the --r1cs
    # checks, keys with contributions, anything malformed) to the full path, which names the
    # problem; the full path's steps start from a fresh profile
    lib.pz_malloc_release_above(1 << 20)  # a proof's freed scratch leaves the process: a lower peak
    made = None if args.r1cs else prove_files(args.zkey, args.witness, args.check, args.self_check, profile,
                                                   args.overlap)
    if made is None:
        proof_json, public_json = _prove_full(args, profile)
    else:
        proof_json, public_json = made
    write_json(args.proof, proof_json)
    write_json(args.public, public_json)
    if args.profile:
        print(f"[INFO] {profile.memory()}", file=sys.stderr)
        print(f"[INFO] {profile}", file=sys.stderr)
    return 0


def _prove_full(args: argparse.Namespace, profile) -> tuple[dict, list[str]]:
    """The in-process prover on numpy arrays (:func:`prozchain.prover.groth16.prover.prove`), with
    every check and its error message."""
    from prozchain.prover.errors import SelfCheckError
    from prozchain.prover.formats.snarkjs_json import proof_to_json, public_to_json
    from prozchain.prover.formats.zkey import read_zkey
    from prozchain.prover.groth16.prover import prove, read_witness

    for step in [k for k in profile if k not in ("python_start", "imports")]:
        del profile[step]
        profile.peak_rss_mib.pop(step, None)
    with profile.step("read"):
        key = read_zkey(args.zkey, check=args.check, in_place=True)  # used once: prove aligns a section at a time
        witness = read_witness(args.witness)
        circuit = None
        if args.r1cs:  # the checks' modules (py_ecc among them) cost a small proof's time to import
            from prozchain.relations.formats.r1cs import read_r1cs
            from prozchain.prover.groth16.satisfaction import key_circuit
            from prozchain.prover.groth16.setup import constraint_system

            circuit = key_circuit(key, constraint_system(read_r1cs(args.r1cs)), args.r1cs)
    try:
        proof, public = prove(key, witness, profile=profile, one_shot=True, circuit=circuit, self_check=args.self_check,
                              overlap=args.overlap)
    except SelfCheckError as exc:
        hint = "" if circuit else "; give the circuit's .r1cs (--r1cs) to tell which"
        raise NegativeAnswer(f"{args.zkey}: {exc}{hint}; no proof written") from exc
    return proof_to_json(proof), public_to_json(public)


# its arguments as data: argparse's parser is built from them (register), and the plain forms
# are read from them without argparse (prozchain.cli.read_plain)
PROVE = Command(COMMANDS, "prove", "prove with a .zkey and a witness (.wtns)", prove_command, (
    (("zkey",), {"help": "circuit.zkey"}),
    (("witness",), {"help": "witness.wtns"}),
    (("proof",), {"help": "proof.json to write"}),
    (("public",), {"help": "public.json to write"}),
    (("--profile",), {"action": "store_true", "help": "print the time of each step and the peak RSS after it (to stderr)"}),
    (("--check",), {"choices": ("all", "sample", "none"), "default": "sample",
                    "help": "which of the key's points to validate before proving: all (every point on its "
                            "curve and in its subgroup); sample (default: every G1 point, a sample of the B2 "
                            "points, and a G2 check of the B2 result); none (a key you made yourself)"}),
    (("--r1cs",), {"metavar": "circuit.r1cs",
                   "help": "the circuit: check that the key's coefficients (section 4) are its A and B, and "
                           "refuse a witness that violates a constraint, naming the first"}),
    (("--self-check",), {"action": "boolean", "default": True,
                         "help": "verify the proof under the key's own verification key before writing it (default: "
                                 "on; it costs about four pairings)"}),
    (("--overlap",), {"action": "boolean", "default": False,
                      "help": "above a domain of 2^14, run the G2 MSM on half the threads beside the G1 work "
                              "(default: off; the same proof. Below, a proof's five MSMs already run side by side, "
                              "each on a thread. Opt-in because it was not measured faster: at 2^20 on a loaded "
                              "2-core machine 130 and 125 s against 114 and 139 s without, for about 300 MiB more "
                              "peak memory)"}),
))


def setup_command(args: argparse.Namespace) -> int:
    from prozchain.prover.formats.ptau import read_ptau
    from prozchain.relations.formats.r1cs import read_r1cs
    from prozchain.prover.groth16.setup import constraint_system, write_dev_setup, write_ptau_setup

    if len(args.rest) != (1 if args.dev else 2):
        raise UsageError("usage: prozchain groth16 setup <circuit.r1cs> <pot.ptau|--dev> <circuit.zkey>")
    zkey_path = args.rest[-1]
    start = time.perf_counter()
    cs = constraint_system(read_r1cs(args.r1cs))
    if args.dev:
        key = write_dev_setup(zkey_path, cs, progress=sys.stderr.isatty())
        print(f"[WARN] development setup: one party drew the toxic waste; never use {zkey_path} for keys others "
              f"must trust")
    else:
        key = write_ptau_setup(zkey_path, cs, read_ptau(args.rest[0]), progress=sys.stderr.isatty())
        print(f"[INFO] phase 2 on {args.rest[0]} with one contribution (a fresh delta); add more with "
              f"snarkjs zkey contribute")
    print(f"[INFO] {zkey_path}: nVars {key.n_vars}, nPublic {key.n_public}, domain {key.domain_size} "
          f"({time.perf_counter() - start:.2f} s)")
    return 0


def export_verification_key_command(args: argparse.Namespace) -> int:
    from prozchain.prover.formats.snarkjs_json import verification_key_to_json
    from prozchain.prover.formats.zkey import read_zkey

    key = read_zkey(args.zkey, check="none")  # only the header and IC are used, and those are checked
    write_json(args.verification_key, verification_key_to_json(key.verification_key()))
    return 0


def export_solidity_verifier_command(args: argparse.Namespace) -> int:
    from pathlib import Path

    from prozchain.prover.formats.zkey import read_zkey
    from prozchain.prover.solidity import solidity_verifier

    key = read_zkey(args.zkey, check="none")  # only the header and IC are used, and those are checked
    Path(args.verifier).write_text(solidity_verifier(key.verification_key()))
    return 0


def export_solidity_calldata_command(args: argparse.Namespace) -> int:
    from prozchain.prover.formats.snarkjs_json import read_proof, read_public
    from prozchain.prover.solidity import solidity_calldata

    print(solidity_calldata(read_proof(args.proof), read_public(args.public)))
    return 0


def register(groth16: argparse.ArgumentParser) -> None:
    """The ``groth16`` command group (listed in :data:`prozchain.cli.GROUPS`)."""
    commands = groth16.add_subparsers(dest=COMMANDS, required=True)

    setup = commands.add_parser("setup", help="make a proving key (.zkey) for a circuit (.r1cs)",
                                usage="prozchain groth16 setup <circuit.r1cs> <pot.ptau|--dev> <circuit.zkey>")
    setup.add_argument("r1cs", help="circuit.r1cs")
    setup.add_argument("rest", nargs="+", metavar="pot.ptau|circuit.zkey",
                       help="the prepared powers of tau, then the proving key to write (circuit.zkey); with "
                            "--dev only the key to write")
    setup.add_argument("--dev", action="store_true",
                       help="single-party setup from fresh randomness: for development only")
    setup.set_defaults(func=setup_command)

    PROVE.add(commands)

    verify_parser = commands.add_parser(
        "verify", help="verify a proof: exit 0 if valid, 1 if not, 2 if a file is malformed")
    verify_parser.add_argument("verification_key", help="verification_key.json")
    verify_parser.add_argument("public", help="public.json")
    verify_parser.add_argument("proof", help="proof.json")
    verify_parser.set_defaults(func=verify_command)


def register_zkey(zkey: argparse.ArgumentParser) -> None:
    """The ``zkey`` command group (listed in :data:`prozchain.cli.GROUPS`)."""
    commands = zkey.add_subparsers(dest="zkey_command", required=True)
    export = commands.add_parser("export", help="export parts of a .zkey")
    what = export.add_subparsers(dest="export_what", required=True)
    vk = what.add_parser("verificationkey", help="write verification_key.json as snarkjs does")
    vk.add_argument("zkey", help="circuit.zkey")
    vk.add_argument("verification_key", help="verification_key.json to write")
    vk.set_defaults(func=export_verification_key_command)
    sol = what.add_parser("solidityverifier", help="write a Solidity verifier contract with snarkjs's interface "
                          "(verifyProof(_pA, _pB, _pC, _pubSignals))")
    sol.add_argument("zkey", help="circuit.zkey")
    sol.add_argument("verifier", nargs="?", default="verifier.sol", help="the contract to write (default: verifier.sol)")
    sol.set_defaults(func=export_solidity_verifier_command)
    calldata = what.add_parser("soliditycalldata", help="print verifyProof's arguments for a proof, as snarkjs does")
    calldata.add_argument("public", help="public.json")
    calldata.add_argument("proof", help="proof.json")
    calldata.set_defaults(func=export_solidity_calldata_command)


def r1cs_info_command(args: argparse.Namespace) -> int:
    from prozchain.relations.formats.r1cs import read_r1cs

    r1cs = read_r1cs(args.r1cs)
    print(f"[INFO] Curve: bn-128\n[INFO] # of Wires: {r1cs.n_wires}\n[INFO] # of Constraints: {r1cs.n_constraints}\n"
          f"[INFO] # of Private Inputs: {r1cs.n_private}\n[INFO] # of Public Inputs: {r1cs.n_public}\n"
          f"[INFO] # of Outputs: {r1cs.n_outputs}")
    return 0


def register_r1cs(r1cs: argparse.ArgumentParser) -> None:
    """The ``r1cs`` command group (listed in :data:`prozchain.cli.GROUPS`)."""
    commands = r1cs.add_subparsers(dest="r1cs_command", required=True)
    info = commands.add_parser("info", help="print the sizes of a .r1cs")
    info.add_argument("r1cs", help="circuit.r1cs")
    info.set_defaults(func=r1cs_info_command)
