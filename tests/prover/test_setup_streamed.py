"""The streamed development setup against the one it replaced (tests/prover/setup_reference.py):
the same toxic waste gives the same key, in memory and byte for byte on disk, also from a
compiled circuit's CSR arrays."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest

from prozchain.native.curve import R
from prozchain.native.kernels import array_to_ints, ints_to_array
from prozchain.prover.backend import current_backend
from prozchain.prover.formats.zkey import RecordChunks, read_zkey, stream_zkey, write_zkey
from prozchain.prover.groth16 import setup
from prozchain.prover.groth16.setup import (ConstraintSystem, constraint_system, dev_setup, lagrange_at, odd_lagrange_at, terms_array,
                                            toy_r1cs, write_dev_setup)
from prozchain.relations.formats.container import FormatError
from tests.prover.setup_reference import lagrange_at as closed_form
from tests.prover.setup_reference import reference_dev_setup


def random_system(seed: int, n_vars: int, n_public: int, n_constraints: int, n_terms: int) -> ConstraintSystem:
    rng = random.Random(seed)
    entries = sorted((rng.randrange(3), rng.randrange(n_constraints), rng.randrange(n_vars),
                      rng.choice([1, R - 1, rng.randrange(R)])) for _ in range(n_terms))
    entries.sort(key=lambda e: (e[1], e[0]))
    return ConstraintSystem.from_terms(n_vars, n_public, n_constraints, terms_array(entries))


SYSTEMS = {
    "toy": toy_r1cs(),
    "no private signals": random_system(1, 3, 2, 5, 12),
    "no public signals": random_system(2, 9, 0, 13, 40),
    "one constraint": random_system(3, 2, 0, 1, 3),
    "wide": random_system(4, 70, 5, 60, 400),
}


@pytest.mark.parametrize("n", [1, 2, 4, 64])
def test_the_lagrange_bases_are_the_closed_forms(n):
    backend, tau = current_backend(), random.Random(n).randrange(2, R)
    assert array_to_ints(lagrange_at(backend, n, tau)) == closed_form(backend, n, tau)
    assert array_to_ints(odd_lagrange_at(backend, n, tau)) == closed_form(backend, 2 * n, tau)[1::2]


@pytest.mark.parametrize("name", SYSTEMS)
@pytest.mark.parametrize("seed", [3, 11])
def test_the_same_toxic_waste_gives_the_old_key(name, seed):
    cs, backend = SYSTEMS[name], current_backend()
    ours, theirs = dev_setup(cs, seed=seed), reference_dev_setup(cs, seed, backend)
    for field in ("n_vars", "n_public", "domain_size", "alpha1", "beta1", "beta2", "gamma2", "delta1", "delta2", "ic"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert ours.coefficients.tobytes() == theirs.coefficients.tobytes()
    for section in ("a", "b1", "b2", "c", "h"):
        mine, old = getattr(ours, section), getattr(theirs, section)
        assert mine.group == old.group and mine.array.shape == old.array.shape, section
        assert (mine.array == old.array).all(), section


@pytest.mark.parametrize("name", SYSTEMS)
def test_the_streamed_file_is_the_written_key_byte_for_byte(name, tmp_path, monkeypatch):
    monkeypatch.setattr(setup, "POINT_CHUNK", 3)  # several chunks a section, and a short last one
    monkeypatch.setattr(setup, "TERM_CHUNK", 5)
    cs = SYSTEMS[name]
    write_zkey(tmp_path / "whole.zkey", dev_setup(cs, seed=5))
    head = write_dev_setup(tmp_path / "streamed.zkey", cs, seed=5)
    assert (tmp_path / "streamed.zkey").read_bytes() == (tmp_path / "whole.zkey").read_bytes()
    assert head.ic == read_zkey(tmp_path / "streamed.zkey").ic


def test_tau_on_the_doubled_domain_is_refused(monkeypatch):
    monkeypatch.setattr(random.Random, "randrange", lambda self, lo, hi: R - 1)  # tau = -1: tau^(2n) = 1
    with pytest.raises(setup.SetupError, match="tau fell on the domain"):
        dev_setup(toy_r1cs(), seed=1)


@pytest.mark.parametrize("source", ["compiled", "r1cs file"])
def test_a_circuit_keyed_from_its_csr_arrays_gets_the_old_key(source, tmp_path, monkeypatch):
    """The entry big circuits take: a compiled circuit's (or a ``.r1cs`` file's) CSR matrices,
    summed and written a few terms at a time, give the key the old setup made of every term."""
    from prozchain.circuits.examples.merkle_inclusion import MerkleInclusion
    from prozchain.relations.formats.r1cs import read_r1cs, write_r1cs

    r1cs = MerkleInclusion(depth=2).compile().r1cs
    if source == "r1cs file":
        write_r1cs(r1cs, tmp_path / "c.r1cs")
        r1cs = read_r1cs(tmp_path / "c.r1cs")
    cs = constraint_system(r1cs)
    theirs = reference_dev_setup(cs, 9, current_backend())
    monkeypatch.setattr(setup, "TERM_CHUNK", 97)  # many chunks, rows split across them
    head = write_dev_setup(tmp_path / "streamed.zkey", cs, seed=9)
    write_zkey(tmp_path / "reference.zkey", theirs)
    assert (tmp_path / "streamed.zkey").read_bytes() == (tmp_path / "reference.zkey").read_bytes()
    assert len(head.coefficients) == len(theirs.coefficients)


def test_sums_of_chunks_add_mod_r():
    rng = random.Random(5)
    xs = [0, 1, R - 1, R - 1, R // 2, R // 2 + 1] + [rng.randrange(R) for _ in range(200)]
    ys = [0, R - 1, 1, R - 1, R // 2, R // 2] + [rng.randrange(R) for _ in range(200)]
    out = setup._add_mod(ints_to_array(xs), ints_to_array(ys))
    assert array_to_ints(out) == [(x + y) % R for x, y in zip(xs, ys)]


def test_a_record_count_the_chunks_miss_is_refused(tmp_path):
    head = write_dev_setup(tmp_path / "toy.zkey", toy_r1cs(), seed=1)
    short = replace(head, coefficients=RecordChunks(len(head.coefficients), lambda: [head.coefficients.array()[:-1]]))
    with pytest.raises(FormatError, match="5 records written, 6 announced"):
        stream_zkey(tmp_path / "short.zkey", short, [[np.zeros((0, 8), np.uint64)]] * 5)
    assert not (tmp_path / "short.zkey").exists()
