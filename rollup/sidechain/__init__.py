"""The sidechain: an independent chain running the L2 VM under Tendermint BFT consensus, with
its validators staked on L1 and a two-way bridge to L1.

- :mod:`~prozchain.rollup.sidechain.contracts`: on L1, staking (bonds, epochs, slashing), the
  light client, the bridge with one verifier per security model, an L1 token, and the
  enterprise chain's allow-lists and proven exits;
- :mod:`~prozchain.rollup.sidechain.agents`: the relayer and the byzantine validators of the scenarios;
- :mod:`~prozchain.rollup.sidechain.node`: blocks and state, consensus and its messages, bridged
  assets, checkpoints, the enterprise chain's sealed transactions and exits circuit;
- :mod:`~prozchain.rollup.sidechain.system`: deployment and presets;
  :mod:`~prozchain.rollup.sidechain.scenarios`, :mod:`~prozchain.rollup.sidechain.errors`,
  :mod:`~prozchain.rollup.sidechain.measure`.

>>> from prozchain.rollup.sidechain.system import PRESETS
>>> sorted(PRESETS)
['default', 'defi-gaming', 'enterprise', 'high-throughput']
"""
