"""The bridge's security models, its safety checks and the states of a checkpoint, as the
words L1 contracts store them.

**Security models** (``mode``, chosen per sidechain; each is one verifier class in
:mod:`.verifiers`): ``THRESHOLD`` m-of-n bridge keys, ``STAKING`` the staked validators of the
checkpoint's epoch, ``OPTIMISTIC`` a bonded relayer and a challenge window, ``ZK`` one Groth16
proof per checkpoint that more than 2/3 of the stake of the set whose Poseidon commitment the
light client stores signed it (:class:`~prozchain.rollup.sidechain.contracts.light_client.ZkLightClient`).

**Checks** (``checks`` bit mask, all on by default; scenarios turn them off to show the
post-mortems): ``CHECK_REPLAY`` a withdrawal is paid once; ``CHECK_ZERO_ROOT`` the zero root is
never acceptable (Nomad initialised ``confirmAt[0x0] = 1`` and every unproven message passed);
``CHECK_MEMBERSHIP`` only signatures of the set count (under ``ZK``: the proof's set
commitment must be the one L1 stores); ``CHECK_CLIENT`` the light client passed
in must be the bridge's own (Wormhole took a caller-supplied account as proof that signatures
had been verified); ``CHECK_THRESHOLD`` the light client refuses ``m <= 2n/3`` or
``n < min_signers`` (Ronin: 5 of 9 keys, four of them held by one party).

>>> ALL_CHECKS == CHECK_REPLAY | CHECK_ZERO_ROOT | CHECK_MEMBERSHIP | CHECK_CLIENT | CHECK_THRESHOLD
True
"""

THRESHOLD, STAKING, OPTIMISTIC, ZK = 1, 2, 3, 4
CHECK_REPLAY, CHECK_ZERO_ROOT, CHECK_MEMBERSHIP, CHECK_CLIENT, CHECK_THRESHOLD = 1, 2, 4, 8, 16
ALL_CHECKS = 31
PENDING, FINAL, DELETED = 1, 2, 3
