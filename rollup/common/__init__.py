"""Pieces every rollup room shares, below all of them (it imports nothing from ``rollup``):
units, 32-byte word encodings, the padded-list Merkle root that contracts compute with
their metered keccak, and the development Groth16 keys of the rooms that prove (:mod:`.keys`).

>>> from prozchain.rollup.common import ETHER, b32, word
>>> word(b32(ETHER)) == ETHER
True
"""

from prozchain.rollup.common.merkle import EMPTY, list_levels, list_root
from prozchain.rollup.common.units import BLOCK_MS, ETHER, GWEI, WEI, Unit, readable
from prozchain.rollup.common.words import addr, b32, word

__all__ = ["BLOCK_MS", "EMPTY", "ETHER", "GWEI", "WEI", "Unit", "addr", "b32", "list_levels", "list_root", "readable",
           "word"]
