"""The reference L1: a deterministic chain with Ethereum's gas, fees, signatures and the
BN254 precompiles, on which every Layer 2 system of ProzChain settles.

>>> from prozchain.rollup.l1 import Chain, Key
>>> alice = Key.from_seed(b"alice")
>>> Chain({alice.address: 1}).state.balance(alice.address)
1
"""

from prozchain.rollup.l1.chain import Block, Chain, Receipt
from prozchain.rollup.l1.contract import Bytes32, Contract, external
from prozchain.rollup.l1.crypto import Address, Key, keccak256, to_address
from prozchain.rollup.l1.errors import (ExceptionalHalt, InvalidTransaction, L1Error, OutOfGas,
                              PrecompileFailure, Revert)

__all__ = ["Address", "Block", "Bytes32", "Chain", "Contract", "ExceptionalHalt",
           "InvalidTransaction", "Key", "L1Error", "OutOfGas", "PrecompileFailure", "Receipt",
           "Revert", "external", "keccak256", "to_address"]
