"""BN254 arithmetic kernels: the C core (via cffi) and the pure-Python reference (py_ecc).

Every backend implements :class:`prozchain.native.backend.Backend`: "c", "reference", and "numba"
(the MSM and NTT kernels compiled by numba, the rest from the reference). ``get_backend()`` picks
one by name, or from the ``PROZ_BACKEND`` environment variable, defaulting to the C core. A
missing C build is an error, never a silent fall-back to the slow path. "c" runs the C core on the
fastest arithmetic path this CPU has; "c:portable" (or "c:adx") runs a named one. Backend methods
name their field and group with :class:`Field` and :class:`Group`, from
:mod:`prozchain.native.curve` beside BN254's constants.

>>> from prozchain.native import Field, get_backend
>>> get_backend("reference").name
'reference'
>>> get_backend("reference").inv(Field.FR, 2) * 2 % Field.FR.modulus
1
>>> get_backend("c:portable").name
'c:portable'
"""

from __future__ import annotations

import os
from functools import lru_cache

from prozchain.native.curve import Field, Group
from prozchain.native.errors import ProzError

TYPE_CHECKING = False  # typing's flag without importing typing (3 ms of a one-shot proof's start)
if TYPE_CHECKING:  # the interface imports numpy, which a one-shot proof never loads
    from prozchain.native.backend import Backend

_BACKENDS = {
    "c": ("prozchain.native.c_backend", "CBackend"),
    "reference": ("prozchain.native.reference", "ReferenceBackend"),
    "numba": ("prozchain.native.numba_backend", "NumbaBackend"),  # numba MSM/NTT, the rest as reference
}

BACKEND_NAMES = tuple(_BACKENDS)
__all__ = ["BACKEND_NAMES", "BackendUnavailable", "Field", "Group", "get_backend"]


class BackendUnavailable(ProzError):
    """A backend was asked for that is not built or not known."""


@lru_cache(maxsize=None)
def get_backend(name: str | None = None) -> Backend:
    """The backend called ``name`` (default: ``$PROZ_BACKEND``, else ``"c"``)."""
    name = name or os.environ.get("PROZ_BACKEND") or "c"
    kind, _, path = name.partition(":")
    if kind not in _BACKENDS or (path and kind != "c"):
        raise BackendUnavailable(f"unknown backend {name!r}; choose one of {', '.join(_BACKENDS)}, or c:PATH")
    module_name, class_name = _BACKENDS[kind]
    import importlib  # here: importlib imports warnings, 0.3 ms of a one-shot proof's start, which needs no backend

    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise BackendUnavailable(
            f"backend {name!r} is not available ({exc}); reinstall with `pip install .` "
            "so that the C core is compiled"
        ) from exc
    return getattr(module, class_name)(path) if path else getattr(module, class_name)()
