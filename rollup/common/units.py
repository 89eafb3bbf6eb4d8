"""Units of value and time shared by the reference L1 and every rollup room.

>>> ETHER // GWEI
1000000000
"""

ETHER = 10**18  # wei
GWEI = 10**9  # wei
BLOCK_MS = 12_000  # the simulated L1's block time, as on Ethereum since the merge
