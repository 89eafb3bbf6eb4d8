"""The economy shared by every protocol room: bonds (and fees, incentives, ordering policies).

- :mod:`~prozchain.rollup.economics.bonds`: the one L1 ledger of every bond (lock, release,
  slash, each with a reason; totals conserved).
- :mod:`~prozchain.rollup.economics.inclusion`: how long a forced transaction or withdrawal
  took to be honoured, in L1 blocks and seconds, the same on every layer.
- :mod:`~prozchain.rollup.economics.ordering`: ordering policies (first come first served, a
  priority auction whose proceeds go back to the batch's users), signed arrival receipts and
  their audit against batches on L1.
- :mod:`~prozchain.rollup.economics.sequencing`: a staked sequencer set that rotates by stake
  on an L1 schedule, skips silent leaders and slashes one a receipt convicts.

>>> from prozchain.rollup.economics import BondLedger
>>> sorted(BondLedger.methods)
['bond', 'lock', 'release', 'slash', 'totals']
"""

from prozchain.rollup.economics.bonds import BURN, Bond, BondLedger, Totals, bonds, conserved, history

__all__ = ["BURN", "Bond", "BondLedger", "Totals", "bonds", "conserved", "history"]
