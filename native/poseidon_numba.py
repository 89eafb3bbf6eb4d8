"""Poseidon permutations over BN254's scalar field for many inputs at once, in numba.

The caller passes the parameters (round constants and MDS matrix of width t, as
:mod:`prozchain.circuits.gadgets.poseidon_constants` gives them: native imports nothing above it), and an
``(n, t - 1, 4)`` array of canonical inputs in 64-bit limbs; the result is the ``(n, 4)`` array of
first state elements, i.e. ``Poseidon(inputs)`` per row, computed in Montgomery form with the
numba backend's field arithmetic and spread over the cores (``prange``). Bulk Merkle tree
building hashes a whole level per call. The first call on a machine compiles (tens of seconds;
cached on disk afterwards).

>>> from prozchain.native.kernels import array_to_ints, ints_to_array
>>> t, R_F, R_P = 2, 8, 56
>>> ark = [(i + 1) % 7 for i in range((R_F + R_P) * t)]
>>> mds = [[2, 1], [1, 3]]
>>> out = poseidon_array(ints_to_array([5, 9]).reshape(2, 1, 4), ark, mds, R_F, R_P)
>>> array_to_ints(out) == [poseidon_reference([x], ark, mds, R_F, R_P) for x in (5, 9)]
True
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from numba import njit, prange

from prozchain.native.curve import R
from prozchain.native.errors import InvalidArgumentError
from prozchain.native.kernels import MONT, ints_to_array
from prozchain.native.numba_backend import FR_INV, FR_MOD, fadd, fmul

U64 = np.uint64


def poseidon_reference(inputs: Sequence[int], ark: Sequence[int], mds: Sequence[Sequence[int]],
                       full_rounds: int, partial_rounds: int) -> int:
    """The same permutation on Python ints (state ``[0] + inputs``, x^5 S-box)."""
    t = len(inputs) + 1
    state = [0] + [x % R for x in inputs]
    for r in range(full_rounds + partial_rounds):
        state = [(x + ark[r * t + i]) % R for i, x in enumerate(state)]
        full = r < full_rounds // 2 or r >= full_rounds // 2 + partial_rounds
        state = [pow(x, 5, R) if full or i == 0 else x for i, x in enumerate(state)]
        state = [sum(m * x for m, x in zip(row, state)) % R for row in mds]
    return state[0]


def _mont(values: Sequence[int]) -> np.ndarray:
    return ints_to_array([v * MONT % R for v in values], R)


_prepared: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
R2 = tuple(U64(x) for x in ints_to_array([MONT * MONT % R], R)[0])


def _parameters(ark: Sequence[int], mds: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """The parameters in Montgomery form, converted once per parameter set."""
    key = (tuple(ark), tuple(map(tuple, mds)))
    if key not in _prepared:
        _prepared[key] = (_mont(ark), _mont([m for row in mds for m in row]))
    return _prepared[key]


@njit(cache=True, inline="always")
def _get(a, i):
    return (a[i, 0], a[i, 1], a[i, 2], a[i, 3])


@njit(cache=True, inline="always")
def _put(a, i, v):
    a[i, 0], a[i, 1], a[i, 2], a[i, 3] = v[0], v[1], v[2], v[3]


@njit(cache=True, parallel=True)
def _permute(inputs, ark, mds, full_rounds, partial_rounds, r2, out):
    n, k = inputs.shape[0], inputs.shape[1]
    t = k + 1
    one = (U64(1), U64(0), U64(0), U64(0))
    for row in prange(n):
        state = np.zeros((t, 4), dtype=np.uint64)
        mixed = np.zeros((t, 4), dtype=np.uint64)
        for i in range(k):
            _put(state, i + 1, fmul((inputs[row, i, 0], inputs[row, i, 1], inputs[row, i, 2], inputs[row, i, 3]),
                                    r2, FR_MOD, FR_INV))
        for r in range(full_rounds + partial_rounds):
            full = r < full_rounds // 2 or r >= full_rounds // 2 + partial_rounds
            for i in range(t):
                x = fadd(_get(state, i), _get(ark, r * t + i), FR_MOD)
                if full or i == 0:
                    x2 = fmul(x, x, FR_MOD, FR_INV)
                    x = fmul(fmul(x2, x2, FR_MOD, FR_INV), x, FR_MOD, FR_INV)
                _put(state, i, x)
            for i in range(t):
                acc = (U64(0), U64(0), U64(0), U64(0))
                for j in range(t):
                    acc = fadd(acc, fmul(_get(mds, i * t + j), _get(state, j), FR_MOD, FR_INV), FR_MOD)
                _put(mixed, i, acc)
            for i in range(t):
                _put(state, i, _get(mixed, i))
        _put(out, row, fmul(_get(state, 0), one, FR_MOD, FR_INV))


def poseidon_array(inputs: np.ndarray, ark: Sequence[int], mds: Sequence[Sequence[int]], full_rounds: int,
                   partial_rounds: int) -> np.ndarray:
    """``Poseidon`` of each row of ``inputs`` (``(n, t - 1, 4)`` canonical limbs) as ``(n, 4)`` limbs."""
    inputs = np.ascontiguousarray(inputs, dtype=np.uint64)
    t = inputs.shape[1] + 1
    if len(mds) != t or len(ark) != (full_rounds + partial_rounds) * t:
        raise InvalidArgumentError(f"parameters for width {len(mds)} given, inputs need width {t}")
    out = np.empty((inputs.shape[0], 4), dtype=np.uint64)
    _permute(inputs, *_parameters(ark, mds), full_rounds, partial_rounds, R2, out)
    return out
