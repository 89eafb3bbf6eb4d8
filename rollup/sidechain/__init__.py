"""The sidechain: an independent chain running the L2 VM under Tendermint BFT consensus, with
its validators staked on L1 and a two-way bridge to L1.

- :mod:`~rollup.sidechain.chain`: mempool, stake-weighted proposers, blocks, SQLite state DB;
- :mod:`~rollup.sidechain.consensus`: the validators (propose/prevote/precommit with locks);
- :mod:`~rollup.sidechain.staking`: bonds, epochs, slashing on L1;
- :mod:`~rollup.sidechain.bridge`: light client, bridge contract, checkpoints, relayer, L1 token;
- :mod:`~rollup.sidechain.assets`: bridged L1 tokens as canonical sidechain assets;
- :mod:`~rollup.sidechain.system`: deployment and presets; :mod:`~rollup.sidechain.scenarios`.

>>> from prozchain.rollup.sidechain.system import PRESETS
>>> sorted(PRESETS)
['default', 'defi-gaming', 'enterprise', 'high-throughput']
"""
