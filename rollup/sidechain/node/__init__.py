"""The sidechain node: blocks and state (:mod:`.chain`), Tendermint consensus
(:mod:`.consensus`) and its signed :mod:`.messages`, bridged L1 tokens as sidechain
:mod:`.assets`, and the :mod:`.checkpoint`\\ s validators sign for L1."""
