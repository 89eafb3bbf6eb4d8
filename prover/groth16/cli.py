"""``prozchain groth16 ...``: snarkjs's Groth16 commands, in snarkjs's argument order.

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="prozchain")
>>> register(parser.add_subparsers())
>>> parser.parse_args(["groth16", "verify", "vk.json", "public.json", "proof.json"]).proof
'proof.json'
"""

from __future__ import annotations

import argparse

from native.errors import ProzError
from prover.formats.snarkjs_json import read_proof, read_public, read_verification_key
from prover.groth16.verifier import verify


def verify_command(args: argparse.Namespace) -> int:
    try:
        ok = verify(read_verification_key(args.verification_key), read_public(args.public), read_proof(args.proof))
    except ProzError as exc:
        print(f"[ERROR] {exc}")
        return 2
    print("[INFO] OK!" if ok else "[ERROR] Invalid proof: the pairing check failed")
    return 0 if ok else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    groth16 = subparsers.add_parser("groth16", help="Groth16 proofs (snarkjs-compatible files)")
    commands = groth16.add_subparsers(dest="groth16_command", required=True)
    verify_parser = commands.add_parser(
        "verify", help="verify a proof: exit 0 if valid, 1 if not, 2 if a file is malformed")
    verify_parser.add_argument("verification_key", help="verification_key.json")
    verify_parser.add_argument("public", help="public.json")
    verify_parser.add_argument("proof", help="proof.json")
    verify_parser.set_defaults(func=verify_command)
