"""The optimistic rollup: batches and output roots on L1, assumed valid unless a watcher
proves otherwise within the challenge window through an interactive dispute that bisects the
disputed execution down to one VM step, which L1 runs (:func:`prozchain.rollup.vm.step`).

- :mod:`~rollup.optimistic.portal`: deposits, batches (calldata or blob), withdrawals;
- :mod:`~rollup.optimistic.outputs`: proposals with bonds, the window, the dispute games
  with chess clocks, finality;
- :mod:`~rollup.optimistic.node`: rebuilding the L2 from L1 data alone;
- :mod:`~rollup.optimistic.agents`: sequencer, proposer, challenger, wallet on the harness;
- :mod:`~rollup.optimistic.scenarios`: ``opt-*`` scenarios of ``prozchain scenario``.

>>> from prozchain.rollup.optimistic.outputs import split_points
>>> split_points(0, 100, 4)
[0, 25, 50, 75, 100]
"""
