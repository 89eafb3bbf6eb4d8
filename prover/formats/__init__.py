"""The file formats of the circom/snarkjs ecosystem: iden3 binary files and snarkjs's JSON.

- :mod:`prozchain.prover.formats.container`: the iden3 container (magic, version, sections; unknown
  sections skipped) under ``.r1cs``, ``.wtns``, ``.zkey`` and ``.ptau``.
- :mod:`prozchain.prover.formats.r1cs`: circom's ``.r1cs`` (read into and written from :class:`prozchain.circuits.R1CS`).
- :mod:`prozchain.prover.formats.wtns`: snarkjs's ``.wtns`` witnesses.
- :mod:`prozchain.prover.formats.sym`: circom's ``.sym`` text file naming each wire.
- :mod:`prozchain.prover.formats.zkey`, :mod:`prozchain.prover.formats.snarkjs_json`: Groth16 keys, proofs, public values.
"""

from importlib import import_module

# Re-exported lazily (PEP 562), so that proving, which reads no .r1cs, does not import the DSL.
_EXPORTS = {"Container": "container", "FormatError": "container", "read_container": "container",
            "write_container": "container", "read_r1cs": "r1cs", "write_r1cs": "r1cs",
            "read_wtns": "wtns", "write_wtns": "wtns"}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"prozchain.prover.formats.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'prozchain.prover.formats' has no attribute {name!r}")
