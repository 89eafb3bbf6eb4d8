"""Whether a witness satisfies the circuit a ``.zkey`` proves, and whether the key's section 4
is that circuit.

A ``.zkey`` keeps the A and B coefficients only. The prover (snarkjs's and ours) takes C = A * B
pointwise on the domain, so the quotient H divides exactly whatever the witness: neither an
unsatisfied witness nor a corrupted coefficient shows in the key's arithmetic, only in a proof
that does not verify. The C matrix lives in the key's C and IC points, mixed with alpha, beta
and the secret tau, out of reach. So:

- with the circuit's ``.r1cs`` (:func:`key_circuit`): section 4 is compared record for record
  with what ``snarkjs groth16 setup`` writes for that R1CS, and <C_i, w> is evaluated by the
  kernel that evaluates A and B, so the prover names the first constraint with
  <A_i, w> <B_i, w> != <C_i, w>;
- with the key alone, nothing names a constraint: the prover's self-check (verifying its proof
  under the key's own verification key) refuses the proof, but cannot tell a bad witness from
  a bad key.

>>> from prozchain.prover.groth16.setup import dev_setup, toy_r1cs, toy_witness
>>> from prozchain.prover.groth16.prover import prove
>>> cs = toy_r1cs()
>>> key = dev_setup(cs, seed=1)
>>> bad = toy_witness(3)
>>> bad[3, 0] += 1                     # t = x * x + 1
>>> prove(key, bad, circuit=key_circuit(key, cs, "toy.r1cs"))
Traceback (most recent call last):
...
prozchain.relations.errors.ConstraintError: toy.r1cs: constraint 0 is not satisfied: <A,w> * <B,w> != <C,w> with <A,w> = 3, <B,w> = 3, <C,w> = 10 (2 of 2 constraints fail)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from prozchain.native.backend import Backend
from prozchain.native.curve import R, Field
from prozchain.native.kernels import array_to_ints
from prozchain.prover.errors import KeyMismatchError
from prozchain.prover.formats.zkey import ZKey
from prozchain.relations.errors import ConstraintError
from prozchain.prover.groth16.setup import MONT2, ConstraintSystem, zkey_coefficients, zkey_scaled

MATRICES = "AB"
UNSCALE = pow(MONT2, -1, R)


@dataclass(frozen=True)
class KeyCircuit:
    """The part of a circuit the key lost: its C matrix as zkey records (value times 2^512,
    matrix 0 so that the A/B kernel evaluates it), for a key whose A and B match the circuit."""

    name: str
    n_constraints: int
    c_records: np.ndarray

    def check(self, a: np.ndarray, b: np.ndarray, witness: np.ndarray, backend: Backend) -> None:
        """Raise :class:`ConstraintError` unless a * b == <C, w> on every constraint
        (``a``, ``b``: the prover's A and B evaluations; the rows past the constraints tie the
        public signals and hold b = c = 0)."""
        c, _ = backend.qap_abc(self.c_records, witness, len(a))
        n = self.n_constraints
        bad = np.flatnonzero((backend.mul_array(Field.FR, a[:n], b[:n]) != c[:n]).any(axis=1))
        if len(bad):
            i = int(bad[0])
            va, vb, vc = (array_to_ints(x[i:i + 1])[0] for x in (a, b, c))
            raise ConstraintError(
                f"{self.name}: constraint {i} is not satisfied: <A,w> * <B,w> != <C,w> with <A,w> = {va}, "
                f"<B,w> = {vb}, <C,w> = {vc} ({len(bad)} of {n} constraints fail)", i, self.name, (va, vb, vc))


def key_circuit(key: ZKey, cs: ConstraintSystem, name: str) -> KeyCircuit:
    """The :class:`KeyCircuit` of ``cs`` (from the ``.r1cs`` called ``name``), once the key's
    sizes and section 4 are shown to be what setup makes of ``cs``; else :class:`KeyMismatchError`."""
    expected = (cs.n_vars, cs.n_public, cs.domain_size())
    if (key.n_vars, key.n_public, key.domain_size) != expected:
        raise KeyMismatchError(f"the key has nVars {key.n_vars}, nPublic {key.n_public}, domain {key.domain_size}; "
                               f"{name} needs {expected[0]}, {expected[1]}, {expected[2]}")
    _same_coefficients(key.coefficients, zkey_coefficients(cs), name)
    c_terms = cs.terms[cs.terms["matrix"] == 2].copy()
    c_terms["matrix"] = 0
    return KeyCircuit(name, cs.n_constraints, zkey_scaled(c_terms))


def _void(records: np.ndarray) -> np.ndarray:
    """Each record as one opaque value, so that numpy sorts and matches whole records."""
    records = np.ascontiguousarray(records)
    return records.view(np.dtype((np.void, records.dtype.itemsize)))


def _describe(record) -> str:
    value = int.from_bytes(np.asarray(record["value"], "<u8").tobytes(), "little") * UNSCALE % R
    return f"{MATRICES[record['matrix']]} row {record['constraint']} signal {record['signal']} coefficient {value}"


def _same_coefficients(ours: np.ndarray, expected: np.ndarray, name: str) -> None:
    """Section 4 against the records setup makes, in any order; the first difference is named."""
    if len(ours) == len(expected) and ours.tobytes() == expected.tobytes():
        return  # snarkjs's order, and ours: the usual case costs one comparison
    mine, theirs = _void(ours), _void(expected)
    if len(ours) == len(expected) and np.array_equal(np.sort(mine), np.sort(theirs)):
        return
    problem = f"section type 4 (coefficients) is not {name}'s A and B: "
    extra, missing = np.flatnonzero(~np.isin(mine, theirs)), np.flatnonzero(~np.isin(theirs, mine))
    if len(extra):
        problem += f"record {int(extra[0])} ({_describe(ours[extra[0]])}) is not in the circuit"
    elif len(missing):
        problem += f"the circuit's {_describe(expected[missing[0]])} is missing"
    else:
        problem += f"{len(ours)} records where the circuit has {len(expected)} (repeated records)"
    raise KeyMismatchError(problem)
