"""The project's exception hierarchy. It lives in the lowest layer so that every layer can use it."""


class ProzError(Exception):
    """Base of every error ProzChain raises on purpose."""


class InvalidPointError(ProzError, ValueError):
    """A curve point failed validation; the message says which check and which coordinate."""


class InvalidFieldElementError(ProzError, ValueError):
    """A value is not a canonical element of the field it was meant for."""


class NativeMemoryError(ProzError, MemoryError):
    """A kernel of the C core could not allocate its working memory; the message names the kernel
    and its size. Nothing was computed, and the core stays usable."""


class NotInvertibleError(ProzError, ZeroDivisionError):
    """Zero was inverted or divided by; the message names the field and, in a batch, the index."""


class InvalidArgumentError(ProzError, ValueError):
    """A function was called with arguments that do not fit it or each other: lengths or shapes
    that differ, a zero coset shift, a negative exponent, an NTT size beyond Fr's 2-adicity, a
    parameter out of its range."""
