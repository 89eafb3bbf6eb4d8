"""The ZK rollup's contracts on L1.

- :mod:`~prozchain.rollup.zk.contracts.rollup`: the state contract (escrow, deposit queue,
  batches, withdrawal ledger, exodus mode);
- :mod:`~prozchain.rollup.zk.contracts.registry`: its registry of circuit versions (verifier and
  batch shape), changed by governance behind a time lock.

Its proofs are checked by a Groth16 verifier contract per key
(:mod:`prozchain.rollup.l1.groth16`, shared with the sidechain's ZK light client and the
optimistic rollup's proven disputes).
"""
