"""The Groth16 files of the snarkjs ecosystem; the iden3 container and the ``.r1cs``, ``.wtns`` and
``.sym`` files are the relations layer's (:mod:`prozchain.relations.formats`).

- :mod:`prozchain.prover.formats.zkey`: Groth16 proving keys (``.zkey``).
- :mod:`prozchain.prover.formats.ptau`: powers of tau (``.ptau``).
- :mod:`prozchain.prover.formats.snarkjs_json`: proofs, public values and verification keys as JSON.
"""
