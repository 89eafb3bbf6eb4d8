"""The channel network's contracts on L1: the adjudicator (:mod:`.adjudicator`) and the helpers
that send its transactions (:mod:`.onchain`)."""
