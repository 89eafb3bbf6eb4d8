"""The sidechain's contracts on L1: the validators' :mod:`.staking`, the :mod:`.light_client`
that follows the signer set, the :mod:`.bridge` with one verifier per security model
(:mod:`.verifiers`, :mod:`.modes`), and the enterprise chain's :mod:`.permissions` and
:mod:`.private_exits`; the ERC-20-like token it bridges is :mod:`prozchain.rollup.l1.token`."""
