"""The sidechain's contracts on L1: the validators' :mod:`.staking`, the :mod:`.light_client`
that follows the signer set, the :mod:`.bridge` with one verifier per security model
(:mod:`.verifiers`, :mod:`.modes`), and an ERC-20-like :mod:`.token` to bridge."""
