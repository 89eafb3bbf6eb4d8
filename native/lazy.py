"""Package attributes imported on first use (PEP 562), so that importing a package for one light
module (a one-shot ``groth16 prove`` needs no numpy) does not import its heavy ones.

>>> getattr_ = lazy("demo", {"dumps": "json"})
>>> getattr_("dumps").__module__
'json'
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

TYPE_CHECKING = False  # typing's flag without importing typing (3 ms of a one-shot proof's start)
if TYPE_CHECKING:
    from typing import Any


def lazy(package: str, names: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports each of ``names`` (name: module)
    from its module when first asked for. With :class:`Package` as the package's class, a name
    that is also a submodule's keeps its binding when the submodule is imported."""

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        __import__(names[name])  # not importlib's import_module: importlib imports warnings (0.3 ms)
        return getattr(sys.modules[names[name]], name)

    __getattr__.names = names
    return __getattr__


class Package(ModuleType):
    """A package whose lazy names (:func:`lazy`) include a submodule's name, as
    ``prozchain.prover.pairing`` is both a function and a module: importing a submodule binds it
    on its package, which would hide the function; a package of this class ignores that binding
    (``sys.modules[__name__].__class__ = Package``), so the name stays the function, as an eager
    ``from .pairing import pairing`` in ``__init__`` left it."""

    def __setattr__(self, name: str, value: object) -> None:
        if isinstance(value, ModuleType) and value.__name__ == f"{self.__name__}.{name}" and \
                name in getattr(self.__dict__.get("__getattr__"), "names", ()):
            return
        super().__setattr__(name, value)


def lazy_package(package: str, names: dict[str, str]) -> Callable[[str], Any]:
    """:func:`lazy` for ``package``, whose class becomes :class:`Package`: call it in the package's
    ``__init__`` as ``__getattr__ = lazy_package(__name__, {...})``."""
    sys.modules[package].__class__ = Package
    return lazy(package, names)
