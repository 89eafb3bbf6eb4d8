"""The ZK rollup: batches of L2 transactions proven with Groth16 and verified on the L1.

The room's layout is every room's:

- :mod:`~prozchain.rollup.zk.contracts`: on L1, a verifier contract per key (through the pairing
  precompile) and the state contract (escrow, deposit queue, batches, withdrawal ledger, exodus
  mode);
- :mod:`~prozchain.rollup.zk.agents`: off-chain, the operator's pipeline (sequencer: mempool,
  validation, fee order, batching; aggregator: witness, proof, submission) over a durable store,
  and the operator and the users' wallet (claims, exodus) as agents on the harness;
- :mod:`~prozchain.rollup.zk.node`: the L2 state rebuilt from L1 data alone;
- :mod:`~prozchain.rollup.zk.system`: the wiring: batch circuits and their keys (set up once and
  cached on disk) and the deployment of the contracts;
- :mod:`~prozchain.rollup.zk.scenarios`: ``zk-*`` scenarios of ``prozchain scenario``;
- :mod:`~prozchain.rollup.zk.errors`: the room's errors.

The transaction types and the batch circuit live in :mod:`prozchain.circuits.txtypes`.

>>> from prozchain.rollup.l1.gas import POSEIDON_GAS
>>> POSEIDON_GAS[2]
21124
"""
