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
