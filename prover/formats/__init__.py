"""The file formats of the circom/snarkjs ecosystem: iden3 binary files and snarkjs's JSON.

- :mod:`prover.formats.container`: the iden3 container (magic, version, sections; unknown
  sections skipped) under ``.r1cs``, ``.wtns``, ``.zkey`` and ``.ptau``.
- :mod:`prover.formats.r1cs`: circom's ``.r1cs`` (read into and written from :class:`circuits.R1CS`).
- :mod:`prover.formats.wtns`: snarkjs's ``.wtns`` witnesses.
- :mod:`prover.formats.sym`: circom's ``.sym`` text file naming each wire.
- :mod:`prover.formats.zkey`, :mod:`prover.formats.snarkjs_json`: Groth16 keys, proofs, public values.
"""

from prover.formats.container import Container, FormatError, read_container, write_container
from prover.formats.r1cs import read_r1cs, write_r1cs
from prover.formats.wtns import read_wtns, write_wtns

__all__ = [
    "Container",
    "FormatError",
    "read_container",
    "write_container",
    "read_r1cs",
    "write_r1cs",
    "read_wtns",
    "write_wtns",
]
