"""The channel network's off-chain agents: the crash-safe client (:mod:`.client`), its exchanges
over the network (:mod:`.link`), HTLC terms (:mod:`.htlc`), multi-hop payments (:mod:`.payments`),
routing (:mod:`.routing`), virtual channels (:mod:`.virtual`) and watchtowers (:mod:`.watchtower`)."""
