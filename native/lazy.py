"""Package attributes imported on first use (PEP 562), so that importing a package for one light
module (a one-shot ``groth16 prove`` needs no numpy) does not import its heavy ones.

>>> getattr_ = lazy("demo", {"dumps": "json"})
>>> getattr_("dumps").__module__
'json'
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable


def lazy(package: str, names: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports each of ``names`` (name: module)
    from its module when first asked for."""

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(names[name]), name)

    return __getattr__
