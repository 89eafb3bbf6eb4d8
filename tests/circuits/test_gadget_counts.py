"""Regression table of gadget constraint counts: a change that bloats a gadget shows up here.

Each entry compiles the gadget alone on fresh inputs and counts the constraints made inside its
scope. The counts are the ones the gadgets' docstrings state.
"""

from __future__ import annotations

import pytest

from prozchain.circuits.gadgets import babyjub
from prozchain.circuits.gadgets.bits import assert_bits_below, range_check, to_bits, to_bits_strict
from prozchain.circuits.gadgets.eddsa import verify_gadget
from prozchain.circuits.gadgets.logic import and_, not_, or_, xor
from prozchain.circuits.gadgets.comparators import is_equal, is_zero, less_equal, less_than, less_than_full
from prozchain.circuits.gadgets.merkle import merkle_inclusion, merkle_root, merkle_update
from prozchain.circuits.gadgets.mux import cond_swap, mux, select
from prozchain.circuits.gadgets.poseidon import poseidon
from prozchain.circuits.gadgets import uint256
from prozchain.circuits.report import constraint_counts
from tests.circuits.helpers import compile_fn

EXPECTED = {
    "to_bits(8)": (lambda x: to_bits(x[0], 8), 9),
    "range_check 64": (lambda x: range_check(x[0], 64), 65),
    "to_bits_strict": (lambda x: to_bits_strict(x[0]), 508),
    "is_zero": (lambda x: is_zero(x[0]), 2),
    "is_equal": (lambda x: is_equal(x[0], x[1]), 2),
    "less_than(32)": (lambda x: less_than(x[0], x[1], 32), 34),
    "less_equal 32": (lambda x: less_equal(x[0], x[1], 32), 35),
    "less_than_full": (lambda x: less_than_full(x[0], x[1]), 1277),
    "not": (lambda x: not_(x[0]), 0),
    "and": (lambda x: and_(x[0], x[1]), 1),
    "or": (lambda x: or_(x[0], x[1]), 1),
    "xor": (lambda x: xor(x[0], x[1]), 1),
    "select": (lambda x: select(x[0], x[1], x[2]), 1),
    "cond_swap": (lambda x: cond_swap(x[0], x[1], x[2]), 1),
    "mux 8": (lambda x: mux(x[:3], x[3:11]), 7),
    "poseidon(1)": (lambda x: poseidon(x[:1]), 213),
    "poseidon(2)": (lambda x: poseidon(x[:2]), 240),
    "poseidon(3)": (lambda x: poseidon(x[:3]), 261),
    "poseidon(4)": (lambda x: poseidon(x[:4]), 297),
    "poseidon(5)": (lambda x: poseidon(x[:5]), 321),
    "assert_bits_below l": (lambda x: assert_bits_below(x[:251], babyjub.SUBORDER), 250),
    "babyjub_add": (lambda x: babyjub.add_gadget(x[:2], x[2:4]), 6),
    "babyjub_add constant": (lambda x: babyjub.add_gadget(x[:2], babyjub.BASE8), 3),
    "babyjub_double": (lambda x: babyjub.double_gadget(x[:2]), 5),
    "babyjub_on_curve": (lambda x: babyjub.assert_on_curve(x[:2]), 4),
    "babyjub_mul_fixed 8 bits": (lambda x: babyjub.mul_fixed(x[:8], babyjub.BASE8), 35),
    "babyjub_mul_var 8 bits": (lambda x: babyjub.mul_var(x[2:10], x[:2]), 93),
    "eddsa_poseidon_verify": (lambda x: verify_gadget(x[0], x[1:3], x[3:5], x[5]), 5904),
    "merkle_root depth 4": (lambda x: merkle_root(x[0], x[1:5], x[5:9]), 4 * 242),
    "merkle_inclusion depth 4": (lambda x: merkle_inclusion(x[0], x[1], x[2:6], x[6:10]), 4 * 242 + 1),
    "merkle_update depth 4": (lambda x: merkle_update(x[0], x[1], x[2], x[3:7], x[7:11]), 8 * 242 + 1),
    "word_bits": (lambda x: uint256.word_bits(x[:4]), 260),
    "uint256 add": (lambda x: uint256.add(x[:4], x[4:8]), 268),
    "uint256 sub": (lambda x: uint256.sub(x[:4], x[4:8]), 268),
    "uint256 mul_lo": (lambda x: uint256.mul_lo(x[:4], x[4:8]), 546),
    "uint256 divmod": (lambda x: uint256.divmod_words(x[:4], x[4:8]), 1092),
    "uint256 bitwise": (lambda x: uint256.bitwise(x[:256], x[4:260]), 256),
    "uint256 power_of_two": (lambda x: uint256.power_of_two(x[:8]), 10),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_gadget_constraint_count(name):
    build, expected = EXPECTED[name]
    compiled = compile_fn(lambda c: build(c.private_input("x", 260)), "G")
    (row,) = [r for r in constraint_counts(compiled) if r.path == "G"]
    assert row.self_constraints == 0  # everything happened inside the gadget's scope
    assert compiled.r1cs.n_constraints == expected
