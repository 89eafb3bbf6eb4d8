"""The shielded pool: private transfers beside the ZK rollup, one Groth16 join-split proof each,
verified on L1 (docs/shielded.md).

The room's layout is every room's (it has no node: a wallet rebuilds all it needs from L1):

- :mod:`~prozchain.rollup.shielded.notes`: keys, notes, commitments, nullifiers, the note
  encrypted to its recipient, the note tree as wallets mirror it;
- :mod:`~prozchain.rollup.shielded.circuit`: the join-split circuit (two notes in, two out);
- :mod:`~prozchain.rollup.shielded.contracts`: the pool contract (note tree root, nullifier set,
  deposits, withdrawals into the ZK rollup);
- :mod:`~prozchain.rollup.shielded.agents`: the wallet that scans for its notes and proves its
  transactions, and its agent on the harness;
- :mod:`~prozchain.rollup.shielded.system`: the circuit's key and the deployment;
- :mod:`~prozchain.rollup.shielded.scenarios`: ``shielded-*`` scenarios of ``prozchain scenario``;
- :mod:`~prozchain.rollup.shielded.errors`, :mod:`~prozchain.rollup.shielded.measure` (``prozchain
  measure shielded``).

>>> from prozchain.rollup.shielded.notes import Note, NoteKey
>>> Note(5, NoteKey.from_seed(b"me").public, blinding=1).commitment != Note(6, NoteKey.from_seed(b"me").public, 1).commitment
True
"""
