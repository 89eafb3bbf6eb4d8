"""A one-account Ethereum chain on py-evm (Cancun rules, EIP-1108 precompile prices), for running
contracts compiled by solc: the real EVM as a test oracle for the exported verifier."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from eth.chains.base import MiningChain
from eth.db.atomic import AtomicDB
from eth.tools.builder.chain import build, cancun_at, disable_pow_check, genesis
from eth_keys import keys
from eth_utils import keccak

from tests import js_oracles

GAS_LIMIT = 30_000_000


def compile_solidity(source: Path) -> dict:
    """``{contract name: {"abi", "bytecode", "deployedBytecode"}}`` from the pinned solc-js."""
    run = subprocess.run(["node", str(js_oracles.JS / "solc.cjs"), str(source)], cwd=js_oracles.installed().parent,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return json.loads(run.stdout)["contracts"]


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def words(values: list[int]) -> bytes:
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
        assert outcome.success, computation.error
        return computation.msg.storage_address

    def transact(self, to: bytes, data: bytes) -> Outcome:
        return self._send(to, data)[0]
