"""One client for every layer: the same calls on L1, the ZK rollup, the optimistic rollup, a
channel and a sidechain, with one key; each transaction's stages (:mod:`.stages`), routing
between the layers under the user's limits, and smart accounts on the optimistic rollup's VM."""
