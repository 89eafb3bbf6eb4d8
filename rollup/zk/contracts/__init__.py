"""The ZK rollup's contracts on L1.

- the Groth16 verifier contract per key is :mod:`prozchain.rollup.l1.groth16` (shared with the
  sidechain's ZK light client);
- :mod:`~prozchain.rollup.zk.contracts.rollup`: the state contract (escrow, deposit queue,
  batches, withdrawal ledger, exodus mode).
"""
