"""The cross-layer fabric: one bridge protocol over every layer, the asset registry on L1 with
escrow per (token, layer) route, and the scenario that carries one token through them all.

- :mod:`.contracts`: the asset registry (and the rogue layer of the scenario's attack);
- :mod:`.protocol`: the bridge protocol (deposit, withdraw, prove, finalize, status) and its
  shared checks;
- :mod:`.agents`: its adapters for the ZK rollup, the optimistic rollup, the sidechain and channels;
- :mod:`.system`: one world with all of them on one L1;
- :mod:`.scenarios`: ``crosslayer-roundtrip``; :mod:`.measure`: ``prozchain compare layers``.
"""
