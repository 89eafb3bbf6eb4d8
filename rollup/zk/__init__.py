"""The ZK rollup: batches of L2 transactions proven with Groth16 and verified on the L1.

- :mod:`~rollup.zk.verifier`: a verifier contract per key, through the pairing precompile;
- :mod:`~rollup.zk.contract`: the state contract (escrow, deposit queue, batches, withdrawal
  ledger, exodus mode);
- :mod:`~rollup.zk.keys`: batch circuits and their keys, set up once and cached on disk;
- :mod:`~rollup.zk.node`: the L2 state rebuilt from L1 data alone;
- :mod:`~rollup.zk.operator`: sequencer (mempool, validation, fee order, batching) and
  aggregator (witness, proof, submission) as one pipeline over a durable store;
- :mod:`~rollup.zk.agents`: the operator and the users' wallet (claims, exodus) on the harness;
- :mod:`~rollup.zk.scenarios`: ``zk-*`` scenarios of ``prozchain scenario``.

The transaction types and the batch circuit live in :mod:`prozchain.circuits.txtypes`.

>>> from prozchain.rollup.zk.contract import POSEIDON_GAS
>>> POSEIDON_GAS[2]
21124
"""
