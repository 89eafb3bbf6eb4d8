"""The sidechain node: blocks and state (:mod:`.chain`), Tendermint consensus
(:mod:`.consensus`) and its signed :mod:`.messages`, bridged L1 tokens as sidechain
:mod:`.assets`, the :mod:`.checkpoint`\\ s validators sign for L1, and the enterprise chain's
sealed transactions (:mod:`.enterprise`) and proven :mod:`.exits`."""
