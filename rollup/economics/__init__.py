"""The economy shared by every protocol room: bonds (and fees, incentives, ordering policies).

- :mod:`~prozchain.rollup.economics.bonds`: the one L1 ledger of every bond (lock, release,
  slash, each with a reason; totals conserved).
- :mod:`~prozchain.rollup.economics.inclusion`: how long a forced transaction or withdrawal
  took to be honoured, in L1 blocks and seconds, the same on every layer.

>>> from prozchain.rollup.economics import BondLedger
>>> sorted(BondLedger.methods)
['bond', 'lock', 'release', 'slash', 'totals']
"""

from prozchain.rollup.economics.bonds import BURN, Bond, BondLedger, Totals, bonds, conserved, history

__all__ = ["BURN", "Bond", "BondLedger", "Totals", "bonds", "conserved", "history"]
