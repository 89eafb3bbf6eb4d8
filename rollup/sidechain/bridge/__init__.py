"""The sidechain's two-way bridge: L1 contracts (:mod:`.contracts`), checkpoints and fraud
proofs (:mod:`.checkpoint`) and the relayer (:mod:`.relayer`)."""
