"""The optimistic rollup: batches and output roots on L1, assumed valid unless a watcher
proves otherwise within the challenge window through an interactive dispute that bisects the
disputed execution down to one VM step, which L1 runs (:func:`prozchain.rollup.vm.step`).

The room's layout is every room's:

- :mod:`~prozchain.rollup.optimistic.contracts`: on L1, the portal (deposits, batches in
  calldata or blobs, withdrawals) and the output oracle (proposals with bonds, the window, the
  dispute games with chess clocks, finality);
- :mod:`~prozchain.rollup.optimistic.agents`: sequencer, proposer, challenger, wallet on the
  harness;
- :mod:`~prozchain.rollup.optimistic.node`: rebuilding the L2 from L1 data alone;
- :mod:`~prozchain.rollup.optimistic.system`: the wiring: deployment and configuration;
- :mod:`~prozchain.rollup.optimistic.scenarios`: ``opt-*`` scenarios of ``prozchain scenario``;
- :mod:`~prozchain.rollup.optimistic.errors`: the room's errors.

>>> from prozchain.rollup.optimistic.contracts.outputs import split_points
>>> split_points(0, 100, 4)
[0, 25, 50, 75, 100]
"""
