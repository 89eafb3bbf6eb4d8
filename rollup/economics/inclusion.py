"""How long a user's forced way out took, measured the same way on every layer: from the L1
block that recorded the demand (a forced transaction, a forced withdrawal) to the L1 block that
honoured it (the batch that included it, the exit that paid it), in blocks and seconds.

>>> from prozchain.rollup.l1 import Chain, Key
>>> chain = Chain({Key.from_seed(b"x").address: 1})
>>> for _ in range(3):
...     chain.advance_time(12)
...     _ = chain.mine()
>>> took = forced_delay(chain, 1, 3)
>>> took, took.text("forced withdrawal", "paid")
(ForcedDelay(requested_block=1, done_block=3, blocks=2, seconds=24), 'forced withdrawal: requested at L1 block 1, paid at block 3: 2 blocks, 24 s')
"""

from __future__ import annotations

from typing import NamedTuple

from prozchain.rollup.l1 import Chain


class ForcedDelay(NamedTuple):
    """From the demand's L1 block to the block that honoured it."""

    requested_block: int
    done_block: int
    blocks: int
    seconds: int

    def text(self, what: str, done: str) -> str:
        """A summary line: ``what`` was requested, then ``done``."""
        return (f"{what}: requested at L1 block {self.requested_block}, {done} at block {self.done_block}: "
                f"{self.blocks} blocks, {self.seconds} s")


def forced_delay(chain: Chain, requested_block: int, done_block: int) -> ForcedDelay:
    """The delay between two of ``chain``'s blocks."""
    return ForcedDelay(requested_block, done_block, done_block - requested_block,
                       chain.blocks[done_block].timestamp - chain.blocks[requested_block].timestamp)
