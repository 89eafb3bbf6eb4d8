"""The files of the circom ecosystem that carry constraint systems and witnesses.

- :mod:`prozchain.relations.formats.container`: the iden3 binary container (magic, version,
  sections; unknown sections skipped) under ``.r1cs``, ``.wtns``, ``.zkey`` and ``.ptau``.
- :mod:`prozchain.relations.formats.r1cs`: circom's ``.r1cs``, read into and written from
  :class:`prozchain.relations.R1CS`.
- :mod:`prozchain.relations.formats.wtns`: snarkjs's ``.wtns`` witnesses.
- :mod:`prozchain.relations.formats.sym`: circom's ``.sym`` file naming each wire.
"""

from prozchain.relations.errors import FormatError
from prozchain.relations.formats.container import Container, read_container, write_container

from prozchain.native.lazy import lazy

__all__ = ["Container", "FormatError", "read_container", "write_container", "read_r1cs", "write_r1cs",
           "read_wtns", "write_wtns"]

# on first use: importing the package for a light module (a one-shot proof) loads no numpy
__getattr__ = lazy(__name__, {
    "read_r1cs": "prozchain.relations.formats.r1cs",
    "write_r1cs": "prozchain.relations.formats.r1cs",
    "read_wtns": "prozchain.relations.formats.wtns",
    "write_wtns": "prozchain.relations.formats.wtns",
})
