"""Poseidon on the C core (native/src/poseidon.h), for single hashes as well as batches.

A Merkle path update hashes one pair per level, one call at a time: the C kernel then beats the
pure-Python permutation about 20-fold where numba's ``poseidon_array`` (which converts its
parameters on every call) loses to it. :class:`PoseidonKernel` converts a width's parameters to
Montgomery form once; the caller passes them (as :mod:`prozchain.circuits.gadgets.poseidon_constants`
gives them: native imports nothing above it). Importing this module fails as the C core does,
when it is not built.

>>> from prozchain.native.kernels import array_to_ints, ints_to_array
>>> from prozchain.native.poseidon_numba import poseidon_reference
>>> t, R_F, R_P = 2, 8, 56
>>> ark = [(i + 1) % 7 for i in range((R_F + R_P) * t)]
>>> mds = [[2, 1], [1, 3]]
>>> kernel = PoseidonKernel(ark, mds, R_F, R_P)
>>> kernel([5]) == poseidon_reference([5], ark, mds, R_F, R_P)
True
>>> array_to_ints(kernel.many(ints_to_array([5, 9]).reshape(2, 1, 4))) == [kernel([5]), kernel([9])]
True
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from prozchain.native.c_backend import _ptr

from prozchain.native.core import ffi, kernels
from prozchain.native.curve import R
from prozchain.native.errors import InvalidArgumentError, InvalidFieldElementError
from prozchain.native.kernels import MONT

def _mont_limbs(values: Sequence[int]) -> bytes:
    packed = 0
    for i, v in enumerate(values):
        packed |= (v * MONT % R) << (256 * i)
    return packed.to_bytes(32 * len(values), "little")


class PoseidonKernel:
    """Poseidon of width ``t = len(mds)`` on the C core; parameters converted once."""

    def __init__(self, ark: Sequence[int], mds: Sequence[Sequence[int]], full_rounds: int, partial_rounds: int):
        self.t = len(mds)
        if len(ark) != (full_rounds + partial_rounds) * self.t or any(len(row) != self.t for row in mds):
            raise InvalidArgumentError(f"{len(ark)} round constants and a {self.t}-row MDS matrix do not make "
                                       f"a width-{self.t} Poseidon of {full_rounds} + {partial_rounds} rounds")
        # cffi buffers that live as long as the kernel: the C side only reads them
        self._ark = ffi.from_buffer("uint64_t[]", _mont_limbs(ark))
        self._mds = ffi.from_buffer("uint64_t[]", _mont_limbs([m for row in mds for m in row]))
        self._rounds = (full_rounds, partial_rounds)

    def _run(self, out, inputs, n: int) -> None:
        status = kernels.poseidon(out, inputs, n, self.t, self._ark, self._mds, *self._rounds)
        if status == -1:
            raise InvalidArgumentError(f"no Poseidon of width {self.t} and {self._rounds[0]} full rounds")
        if status:
            raise InvalidFieldElementError(f"Poseidon input {status - 1} is not a field element (must be below r)")

    def __call__(self, inputs: Sequence[int]) -> int:
        """Poseidon of ``t - 1`` ints, each reduced mod r first (as the Python permutation does)."""
        if len(inputs) != self.t - 1:
            raise InvalidArgumentError(f"{len(inputs)} inputs given to a width-{self.t} Poseidon")
        packed = 0
        for i, x in enumerate(inputs):
            packed |= (x % R) << (256 * i)
        out = ffi.new("uint64_t[4]")  # per call: the kernel runs without the GIL, threads may share self
        self._run(out, ffi.from_buffer("uint64_t[]", packed.to_bytes(32 * (self.t - 1), "little")), 1)
        return int.from_bytes(ffi.buffer(out), "little")

    def many(self, rows: np.ndarray) -> np.ndarray:
        """Poseidon of every row of an ``(n, t - 1, 4)`` array of canonical limbs, as ``(n, 4)`` limbs;
        a limb value not below r is refused (:class:`InvalidFieldElementError`)."""
        rows = np.ascontiguousarray(rows, dtype=np.uint64)
        if rows.ndim != 3 or rows.shape[1:] != (self.t - 1, 4):
            raise InvalidArgumentError(f"rows of shape {rows.shape[1:]} given to a width-{self.t} Poseidon")
        out = np.empty((rows.shape[0], 4), dtype=np.uint64)
        if rows.shape[0]:
            self._run(_ptr(out), _ptr(rows), rows.shape[0])
        return out
