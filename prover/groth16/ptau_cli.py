"""``prozchain ptau dev <power> <out.ptau> [--seed N]``: an INSECURE development powers of tau
(see :mod:`prozchain.prover.groth16.ptau_dev`), prepared for phase 2 and accepted by ``snarkjs
powersoftau verify``. The command says loudly that it is for benchmarks and tests only.

Exit codes (through :func:`prozchain.cli.run`): 0 written; 2 a bad argument or an unwritable
path, with a one-line reason.

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="prozchain")
>>> register(parser.add_subparsers().add_parser("ptau"))
>>> args = parser.parse_args(["ptau", "dev", "12", "pot12.ptau", "--seed", "7"])
>>> args.power, args.out, args.seed
(12, 'pot12.ptau', 7)
"""

from __future__ import annotations

import argparse
import sys
import time


def dev_command(args: argparse.Namespace) -> int:
    from prozchain.prover.groth16.ptau_dev import WARNING, write_dev_ptau

    print(f"[WARN] {WARNING}")
    start = time.perf_counter()
    made = write_dev_ptau(args.out, args.power, seed=args.seed, progress=sys.stderr.isatty())
    print(f"[INFO] {args.out}: prepared powers of tau 2^{made.power} ({time.perf_counter() - start:.2f} s); "
          f"next challenge {made.next_challenge[:8].hex()}...")
    print(f"[WARN] {args.out} is INSECURE: never use it (or keys made from it) for anything others must trust")
    return 0


def register(ptau: argparse.ArgumentParser) -> None:
    """The ``ptau`` command group (listed in :data:`prozchain.cli.GROUPS`)."""
    commands = ptau.add_subparsers(dest="ptau_command", required=True)
    dev = commands.add_parser("dev", help="INSECURE single-party prepared .ptau, for benchmarks and tests only",
                              usage="prozchain ptau dev <power> <out.ptau> [--seed N]")
    dev.add_argument("power", type=int, help="log2 of the largest domain (1..27)")
    dev.add_argument("out", help="the .ptau to write")
    dev.add_argument("--seed", type=int, default=None, help="reproducible secrets (tests); default: OS randomness")
    dev.set_defaults(func=dev_command)
