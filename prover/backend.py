"""Which native backend the prover's types compute with.

One process-wide choice, made with :func:`set_backend`. Until it is made, the default is
``prozchain.native.get_backend()``: the backend named by ``$PROZ_BACKEND``, else the C core.

>>> from prozchain import prover
>>> prover.set_backend("reference")
>>> prover.current_backend().name
'reference'
>>> prover.set_backend(None)  # back to $PROZ_BACKEND, else the C core
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from prozchain import native

if TYPE_CHECKING:  # the interface imports numpy; the backends load it when first asked for
    from prozchain.native.backend import Backend

_chosen: Optional[Backend] = None


def set_backend(name: Optional[str]) -> None:
    """Compute with the backend called ``name`` from now on; ``None`` returns to the default.

    Raises ``prozchain.native.BackendUnavailable`` at once if that backend is unknown or not built.
    """
    global _chosen
    _chosen = None if name is None else native.get_backend(name)


def current_backend() -> Backend:
    """The backend every operation on Fp, Fr, G1Point, G2Point and GT goes through."""
    return _chosen or native.get_backend()
