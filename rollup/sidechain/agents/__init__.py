"""The sidechain's off-chain agents besides its validators: the :mod:`.relayer` that carries
messages between the sidechain and L1, and the :mod:`.byzantine` validators of the scenarios."""
