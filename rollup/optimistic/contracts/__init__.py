"""The optimistic rollup's contracts on L1.

- :mod:`~prozchain.rollup.optimistic.contracts.portal`: deposits, batches (calldata or blob),
  withdrawals;
- :mod:`~prozchain.rollup.optimistic.contracts.outputs`: proposals with bonds, the window, the
  dispute games with chess clocks, finality.
"""
