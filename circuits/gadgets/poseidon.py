"""Poseidon hash (x^5 S-box, 8 full rounds, circomlib's partial rounds), bit-compatible with circomlib.

``poseidon_hash([a, b])`` equals circomlibjs ``poseidon([a, b])`` and circomlib ``Poseidon(2)``.
It runs on the C core (:mod:`prozchain.native.poseidon_c`, about 20 times faster on the pairs
of a Merkle path) and, where the core is not built, as :func:`poseidon_hash_python`.
The state is ``[0] + inputs`` (width t = inputs + 1); each round adds constants, applies x^5 to
every element (full rounds) or the first (partial rounds), then multiplies by the MDS matrix.

Constraint count: 3 per S-box (x^2, x^4, x^5), the linear layers are free, and the first S-box
acts on a constant (the zero capacity element) so it folds away: ``3 * (8 * t + R_P) - 3`` =
1 input 213, 2 inputs 240, 3 inputs 261, 4 inputs 297, 5 inputs 321.

>>> poseidon_hash([1, 2])
7853200120776062878684798364095072458815029376092732009249414926327459813530
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Optional, Sequence

from prozchain.native.curve import R

from prozchain.circuits.api import gadget
from prozchain.circuits.gadgets.poseidon_constants import FULL_ROUNDS, partial_rounds, poseidon_parameters
from prozchain.circuits.lc import Value, Var, lift, linear_sum

if TYPE_CHECKING:
    from prozchain.native.poseidon_c import PoseidonKernel


def _is_full(r: int, partial: int) -> bool:
    return r < FULL_ROUNDS // 2 or r >= FULL_ROUNDS // 2 + partial


@lru_cache(maxsize=None)
def c_poseidon(t: int) -> Optional["PoseidonKernel"]:
    """The C core's Poseidon of width ``t`` (2..17), or None when the core is not built."""
    constants, mds = poseidon_parameters(t)  # first: an unknown width fails as in Python
    try:
        from prozchain.native.poseidon_c import PoseidonKernel
    except ImportError:
        return None
    return PoseidonKernel(constants, mds, FULL_ROUNDS, partial_rounds(t))


def poseidon_hash(inputs: Sequence[int]) -> int:
    """Poseidon of 1 to 16 field elements (ints, each taken mod r), out of circuit."""
    kernel = c_poseidon(len(inputs) + 1)
    return kernel(inputs) if kernel is not None else poseidon_hash_python(inputs)


def poseidon_hash_python(inputs: Sequence[int]) -> int:
    """:func:`poseidon_hash` in pure Python: the fallback without the C core, and its reference.

    >>> poseidon_hash_python([1, 2]) == poseidon_hash([1, 2])
    True
    """
    t = len(inputs) + 1
    constants, mds = poseidon_parameters(t)
    partial = partial_rounds(t)
    state = [0] + [x % R for x in inputs]
    for r in range(FULL_ROUNDS + partial):
        state = [(x + constants[r * t + i]) % R for i, x in enumerate(state)]
        if _is_full(r, partial):
            state = [pow(x, 5, R) for x in state]
        else:
            state[0] = pow(state[0], 5, R)
        state = [sum(m * x for m, x in zip(row, state)) % R for row in mds]
    return state[0]


def _sbox(x: Var) -> Var:
    x2 = x * x
    x4 = x2 * x2
    return x4 * x


@lru_cache(maxsize=None)
def _partial_plan(t: int) -> tuple[list[list[int]], list[list[int]]]:
    """The partial rounds, precomputed as linear forms: ``(sbox_inputs, final_state)``.

    The basis is the t S-box outputs of the last full round before the partial rounds, then the
    partial rounds' S-box outputs, then the constant 1 (last entry). ``sbox_inputs[k]`` is the
    input of partial round k's S-box and ``final_state[i]`` the state after the partial rounds.
    Tracing then builds each linear combination once, instead of pushing every state element
    through every MDS multiplication (which costs R_P^2 t^2 dictionary updates per hash).
    """
    constants, mds = poseidon_parameters(t)
    partial, half = partial_rounds(t), FULL_ROUNDS // 2
    n = t + partial + 1
    state = [[mds[i][j] if j < t else 0 for j in range(n)] for i in range(t)]
    inputs = []
    for k in range(partial):
        for i in range(t):
            state[i][n - 1] = (state[i][n - 1] + constants[(half + k) * t + i]) % R
        inputs.append(state[0])
        state = [[1 if j == t + k else 0 for j in range(n)]] + state[1:]
        state = [[sum(m * row[j] for m, row in zip(mds[i], state)) % R for j in range(n)] for i in range(t)]
    return inputs, state


def _combine(basis: list[Var], form: list[int]) -> Var:
    return linear_sum(basis + [Var.const(1)], form[: len(basis)] + [form[-1]])


@gadget(lambda inputs: f"poseidon({len(inputs)})")
def poseidon(inputs: Sequence[Value]) -> Var:
    """Poseidon of 1 to 16 circuit values: 3 * (8 * t + R_P) - 3 constraints, t = len(inputs) + 1."""
    t = len(inputs) + 1
    constants, mds = poseidon_parameters(t)
    partial, half = partial_rounds(t), FULL_ROUNDS // 2
    state = [Var.const(0)] + [lift(x) for x in inputs]
    for r in range(half):
        state = [_sbox(x + constants[r * t + i]) for i, x in enumerate(state)]
        if r < half - 1:
            state = [linear_sum(state, list(row)) for row in mds]
    sbox_inputs, final_state = _partial_plan(t)
    basis = list(state)
    for form in sbox_inputs:
        basis.append(_sbox(_combine(basis, form)))
    state = [_combine(basis, form) for form in final_state]
    for r in range(half + partial, FULL_ROUNDS + partial):
        state = [_sbox(x + constants[r * t + i]) for i, x in enumerate(state)]
        state = [linear_sum(state, list(row)) for row in mds]
    return state[0]
