"""The C core's Poseidon (native/src/poseidon.h) against the pure-Python permutation it replaces
in ``poseidon_hash``: random inputs at every width, the edges of the field, and reduction of
inputs outside it exactly as the Python function reduces them."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from prozchain.circuits.gadgets import poseidon as poseidon_module
from prozchain.circuits.gadgets.poseidon import c_poseidon, poseidon_hash, poseidon_hash_python
from prozchain.circuits.txtypes.accounts import AccountTree, poseidon_many
from prozchain.circuits.txtypes.registry import Account
from prozchain.native.core import PATHS, path_kernels
from prozchain.native.curve import R
from prozchain.native.errors import InvalidArgumentError, InvalidFieldElementError
from prozchain.native.kernels import array_to_ints, ints_to_array
from prozchain.native.poseidon_numba import poseidon_reference
from prozchain.native.poseidon_c import PoseidonKernel

EDGES = [0, 1, 2, R - 1, R - 2, R // 2]
OUTSIDE = [R, R + 1, 2 * R - 1, 2**256 - 1, 2**300, -1, -R - 5]  # taken mod r, as in Python


@pytest.mark.parametrize("n_inputs", range(1, 17))
def test_c_poseidon_equals_python_on_random_and_edge_inputs(n_inputs, rng):
    kernel = c_poseidon(n_inputs + 1)
    cases = [[rng.randrange(R) for _ in range(n_inputs)] for _ in range(6 if n_inputs <= 5 else 2)]
    cases += [[rng.choice(EDGES) for _ in range(n_inputs)] for _ in range(3)]
    cases += [[edge] * n_inputs for edge in (0, R - 1)]
    for xs in cases:
        assert kernel(xs) == poseidon_hash_python(xs) == poseidon_hash(xs), xs


@pytest.mark.parametrize("n_inputs", [1, 2, 4, 5])
def test_inputs_outside_the_field_are_reduced_as_python_reduces_them(n_inputs, rng):
    for _ in range(4):
        xs = [rng.choice(OUTSIDE) if rng.random() < 0.6 else rng.randrange(R) for _ in range(n_inputs)]
        assert poseidon_hash(xs) == poseidon_hash_python(xs) == poseidon_hash([x % R for x in xs])


def test_circomlibjs_known_answer_on_the_c_core():
    assert c_poseidon(3)([1, 2]) == 7853200120776062878684798364095072458815029376092732009249414926327459813530


@pytest.mark.parametrize("path", PATHS)
def test_every_arithmetic_path_hashes_alike(path, rng, monkeypatch):
    import prozchain.native.poseidon_c as poseidon_c

    monkeypatch.setattr(poseidon_c, "kernels", path_kernels(path))
    for n_inputs in (1, 2, 4, 5):
        kernel = PoseidonKernel(*poseidon_module.poseidon_parameters(n_inputs + 1), 8,
                                poseidon_module.partial_rounds(n_inputs + 1))
        xs = [rng.randrange(R) for _ in range(n_inputs)]
        assert kernel(xs) == poseidon_hash_python(xs)


@pytest.mark.parametrize("n_inputs", [2, 4])
def test_batches_equal_single_hashes_and_refuse_limbs_not_below_r(n_inputs, rng):
    values = [rng.randrange(R) for _ in range(100 * n_inputs)] + [R - 1] * n_inputs + [0] * n_inputs
    rows = ints_to_array(values).reshape(-1, n_inputs, 4)
    expected = [poseidon_hash_python(values[i:i + n_inputs]) for i in range(0, len(values), n_inputs)]
    assert array_to_ints(poseidon_many(rows)) == expected
    assert poseidon_many(rows[:0]).shape == (0, 4)
    bad = rows.copy()
    bad[7, 1] = ints_to_array([R - 1])[0]
    bad[7, 1, 0] += np.uint64(1)  # exactly r: not a field element
    with pytest.raises(InvalidFieldElementError, match=f"input {7 * n_inputs + 1} "):
        c_poseidon(n_inputs + 1).many(bad)


def test_a_kernel_refuses_parameters_and_inputs_of_another_width():
    constants, mds = poseidon_module.poseidon_parameters(3)
    with pytest.raises(InvalidArgumentError):
        PoseidonKernel(constants[:-1], mds, 8, 57)
    with pytest.raises(InvalidArgumentError):
        c_poseidon(3)([1, 2, 3])
    with pytest.raises(InvalidArgumentError):
        c_poseidon(3).many(np.zeros((2, 3, 4), dtype=np.uint64))
    with pytest.raises(InvalidArgumentError, match="t = 18"):
        poseidon_hash(list(range(17)))
    with pytest.raises(InvalidArgumentError, match="t = 1"):
        poseidon_hash([])


def test_the_kernel_runs_any_parameters_as_the_reference_permutation(rng):
    ark = [rng.randrange(R) for _ in range(2 * 70)]
    mds = [[rng.randrange(R) for _ in range(2)] for _ in range(2)]
    assert PoseidonKernel(ark, mds, 8, 62)([5]) == poseidon_reference([5], ark, mds, 8, 62)


def test_without_the_c_core_poseidon_hash_runs_in_python(monkeypatch, rng):
    """The fallback: the C core's module failing to import leaves Python's permutation in place."""
    monkeypatch.setitem(sys.modules, "prozchain.native.poseidon_c", None)  # import now fails
    c_poseidon.cache_clear()
    try:
        assert c_poseidon(3) is None
        xs = [rng.randrange(R), R + 3]
        assert poseidon_hash(xs) == poseidon_hash_python(xs)
        tree = AccountTree(depth=4)
        tree.bulk_load(1, [Account(1, 2, 3, 4), Account(5, 6, 7, 8)])  # numba's batches
        assert tree.root == _tree_root_in_python(tree)
    finally:
        c_poseidon.cache_clear()


def _tree_root_in_python(tree: AccountTree) -> int:
    level = {i: poseidon_hash_python(a.values()) for i, a in tree.accounts.items()}
    for height in range(tree.depth):
        parents = {}
        for i in {i // 2 for i in level}:
            parents[i] = poseidon_hash_python([level.get(2 * i, tree.defaults[height]),
                                               level.get(2 * i + 1, tree.defaults[height])])
        level = parents
    return level[0]


def test_account_tree_roots_equal_a_python_recomputation(rng):
    tree = AccountTree(depth=6)
    tree.bulk_load(3, [Account(rng.randrange(R), rng.randrange(R), rng.randrange(2**64), i) for i in range(9)])
    for _ in range(5):
        tree.set(rng.randrange(64), Account(rng.randrange(R), rng.randrange(R), rng.randrange(2**64), 1))
    assert tree.root == _tree_root_in_python(tree)


def test_threads_sharing_a_kernel_get_their_own_hashes(rng):
    """The kernel runs without the GIL (cffi releases it), so each call must own its output."""
    from concurrent.futures import ThreadPoolExecutor

    cases = [[rng.randrange(R), rng.randrange(R)] for _ in range(400)]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(poseidon_hash, cases))
    assert got == [poseidon_hash_python(xs) for xs in cases]
