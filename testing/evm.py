"""The real EVM as a test oracle: py-evm (Cancun rules, EIP-1108 precompile prices) running
contracts compiled by solc, and :class:`SolidityVerifier`, the Groth16 verifier that ``prozchain
zkey export solidityverifier`` writes, deployed there for one verification key.

py-evm is an optional dependency (``pip install 'prozchain[evm]'``), and so is the compiler:
``solc`` or ``solcjs`` (npm's ``solc``) on the PATH, or the command in ``$PROZ_SOLC`` (the pytest
plugin's ``--prozchain-solc``). Both are looked for only when an EVM check is asked for.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from typing import Optional, Sequence

from eth.chains.base import MiningChain
from eth.db.atomic import AtomicDB
from eth.tools.builder.chain import build, cancun_at, disable_pow_check, genesis
from eth_keys import keys
from eth_utils import keccak

from prozchain.prover.groth16.keys import Proof, VerificationKey
from prozchain.prover.solidity import proof_words, solidity_verifier

GAS_LIMIT = 30_000_000


def solc_command(solc: Optional[Sequence[str]] = None) -> list[str]:
    """The compiler's command line: ``solc`` if given, else ``$PROZ_SOLC``, else ``solc`` or
    ``solcjs`` from the PATH; a ``RuntimeError`` that says how to get one when there is none."""
    if solc:
        return list(solc)
    if os.environ.get("PROZ_SOLC"):
        return shlex.split(os.environ["PROZ_SOLC"])
    for name in ("solc", "solcjs"):
        if shutil.which(name):
            return [name]
    raise RuntimeError("no Solidity compiler: put solc or solcjs (npm install solc) on the PATH, or name one "
                       "in $PROZ_SOLC or with --prozchain-solc")


def compile_solidity(source: str, solc: Optional[Sequence[str]] = None, evm_version: str = "cancun") -> dict:
    """``{contract name: {"abi", "bytecode", "deployedBytecode"}}`` for one Solidity source,
    through the compiler's standard-JSON interface (optimizer on, 200 runs)."""
    request = {
        "language": "Solidity",
        "sources": {"source.sol": {"content": source}},
        "settings": {"optimizer": {"enabled": True, "runs": 200}, "evmVersion": evm_version,
                     "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}}},
    }
    run = subprocess.run(solc_command(solc) + ["--standard-json"], input=json.dumps(request), capture_output=True,
                         text=True, timeout=300)
    # solcjs prints notes before its JSON on the same stream
    start = run.stdout.find("{")
    if run.returncode != 0 or start < 0:
        raise RuntimeError(f"solc failed (exit {run.returncode}): {run.stdout[-2000:]}{run.stderr[-2000:]}")
    output = json.loads(run.stdout[start:])
    errors = [e["formattedMessage"] for e in output.get("errors", []) if e["severity"] == "error"]
    if errors:
        raise RuntimeError("solc refused the source:\n" + "\n".join(errors))
    return {name: {"abi": c["abi"], "bytecode": c["evm"]["bytecode"]["object"],
                   "deployedBytecode": c["evm"]["deployedBytecode"]["object"]}
            for name, c in output["contracts"]["source.sol"].items()}


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def words(values: Sequence[int]) -> bytes:
    return b"".join(v.to_bytes(32, "big") for v in values)


@dataclass
class Outcome:
    success: bool
    output: bytes
    gas_used: int  # the whole transaction's: 21,000, calldata and execution


class EVM:
    """One funded account that deploys and calls contracts, a block per transaction."""

    def __init__(self) -> None:
        self.key = keys.PrivateKey(b"\x11" * 32)
        self.sender = self.key.public_key.to_canonical_address()
        self.chain = build(
            MiningChain, cancun_at(0), disable_pow_check(),
            genesis(db=AtomicDB(), params={"gas_limit": GAS_LIMIT, "timestamp": 1, "difficulty": 0, "nonce": b"\0" * 8},
                    state={self.sender: {"balance": 10**24, "nonce": 0, "code": b"", "storage": {}}}))

    def _send(self, to: bytes, data: bytes) -> tuple[Outcome, object]:
        vm = self.chain.get_vm()
        nonce = vm.state.get_nonce(self.sender)
        tx = vm.create_unsigned_transaction(nonce=nonce, gas_price=10**11, gas=GAS_LIMIT // 3, to=to, value=0,
                                            data=data).as_signed_transaction(self.key)
        _, receipt, computation = self.chain.apply_transaction(tx)
        self.chain.mine_block()
        return Outcome(computation.is_success, computation.output, receipt.gas_used), computation

    def deploy(self, bytecode_hex: str) -> bytes:
        outcome, computation = self._send(b"", bytes.fromhex(bytecode_hex))
        if not outcome.success:
            raise RuntimeError(f"deployment failed: {computation.error}")
        return computation.msg.storage_address

    def transact(self, to: bytes, data: bytes) -> Outcome:
        return self._send(to, data)[0]


def verify_proof_calldata(n_public: int, proof: Sequence[int], public: Sequence[int]) -> bytes:
    """The calldata of ``verifyProof`` (snarkjs's interface) for 8 proof words and the public signals."""
    signature = f"verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[{n_public}])"
    return selector(signature) + words(list(proof) + list(public))


class SolidityVerifier:
    """The exported Solidity verifier of ``vk``, compiled and deployed on a py-evm chain of its own.

    ``verify(public, proof)`` answers as the contract does (a revert is an error, never an
    answer); ``last_gas`` is the last call's whole transaction gas.
    """

    def __init__(self, vk: VerificationKey, solc: Optional[Sequence[str]] = None):
        self.n_public = vk.n_public
        self.evm = EVM()
        self.address = self.evm.deploy(compile_solidity(solidity_verifier(vk), solc)["Groth16Verifier"]["bytecode"])
        self.last_gas = 0

    def verify(self, public: Sequence[int], proof: Proof | Sequence[int]) -> bool:
        proof_ = proof_words(proof) if isinstance(proof, Proof) else list(proof)
        outcome = self.evm.transact(self.address, verify_proof_calldata(self.n_public, proof_, public))
        if not outcome.success:
            raise RuntimeError("the Solidity verifier reverted (it answers false for any bad proof)")
        self.last_gas = outcome.gas_used
        return int.from_bytes(outcome.output, "big") == 1


_deployed: dict[tuple, SolidityVerifier] = {}


def solidity_verifier_of(vk: VerificationKey, solc: Optional[Sequence[str]] = None) -> SolidityVerifier:
    """The :class:`SolidityVerifier` of ``vk``, compiled and deployed once per process."""
    key = (vk, tuple(solc_command(solc)))
    if key not in _deployed:
        _deployed[key] = SolidityVerifier(vk, solc)
    return _deployed[key]
