"""The .zkey reader and writer: round trips, and malformed keys rejected with the file, section
and problem named."""

from __future__ import annotations

import dataclasses
import random
import struct

import numpy as np
import pytest

from prozchain.native.kernels import PreparedBases
from prozchain.prover import G1Point
from prozchain.prover.backend import current_backend
from prozchain.relations.formats.container import FormatError
from prozchain.prover.formats.zkey import ZKey, read_zkey, write_zkey
from prozchain.prover.groth16.setup import dev_setup, toy_r1cs
from prozchain.prover.twist import twist_point_outside_g2
from prozchain.native.curve import Group


@pytest.fixture(scope="module")
def key() -> ZKey:
    return dev_setup(toy_r1cs(), seed=5)


def written(tmp_path, key: ZKey) -> bytes:
    path = tmp_path / "k.zkey"
    write_zkey(path, key)
    return path.read_bytes()


def test_round_trip(tmp_path, key):
    back = read_zkey(written(tmp_path, key))
    assert back.verification_key() == key.verification_key()
    assert (back.alpha1, back.beta1, back.delta1) == (key.alpha1, key.beta1, key.delta1)
    assert np.array_equal(back.coefficients, key.coefficients)
    for name in ("a", "b1", "b2", "c", "h"):
        assert np.array_equal(getattr(back, name).array, getattr(key, name).array), name


def test_header_problems_are_named(tmp_path, key):
    data = written(tmp_path, key)
    with pytest.raises(FormatError, match="magic"):
        read_zkey(b"zkez" + data[4:], name="k.zkey")
    with pytest.raises(FormatError, match="k.zkey: .*claims"):
        read_zkey(data[:-10], name="k.zkey")
    # section 1 is first: type (4), size (8), then the protocol
    with pytest.raises(FormatError, match=r"section type 1 \(header\): protocol 2 is not Groth16"):
        read_zkey(data[:24] + struct.pack("<I", 2) + data[28:], name="k.zkey")
    with pytest.raises(FormatError, match="section type 2 .*domain size 3"):
        read_zkey(written(tmp_path, dataclasses.replace(key, domain_size=3)))


def test_bad_points_and_records_are_named(tmp_path, key):
    with pytest.raises(FormatError, match=r"section type 2 \(groth16 header\): beta1: .*not on the curve"):
        read_zkey(written(tmp_path, dataclasses.replace(key, beta1=G1Point._of((1, 3)))))
    with pytest.raises(FormatError, match=r"section type 3 \(IC\): point 1: .*not on the curve"):
        read_zkey(written(tmp_path, dataclasses.replace(key, ic=(key.ic[0], G1Point._of((1, 3))))))
    h = key.h.array.copy()
    h[2, 0] ^= 1  # x changed: (x, y) leaves the curve
    with pytest.raises(FormatError, match=r"section type 9 \(H\): point 2: .*curve"):
        read_zkey(written(tmp_path, dataclasses.replace(key, h=PreparedBases(Group.G1, h))))
    outside = current_backend().msm_prepare(Group.G2, [twist_point_outside_g2(random.Random(3))]).array
    b2 = key.b2.array.copy()
    b2[1] = outside[0]
    bad_b2 = written(tmp_path, dataclasses.replace(key, b2=PreparedBases(Group.G2, b2)))
    with pytest.raises(FormatError, match=r"section type 7 \(B2\): point 1: .*subgroup"):
        read_zkey(bad_b2)
    assert read_zkey(bad_b2, check="none").n_vars == key.n_vars  # only when asked not to check
    records = key.coefficients.copy()
    records[3]["signal"] = key.n_vars
    with pytest.raises(FormatError, match=r"section type 4 \(coefficients\): record 3: signal"):
        read_zkey(written(tmp_path, dataclasses.replace(key, coefficients=records)))


def test_prover_refuses_a_b2_msm_outside_g2(key):
    """A key read with check="sample" may hide a B2 point outside G2: pi_b is never published."""
    from prozchain.prover.errors import ProvingKeyError
    from prozchain.prover.groth16.prover import prove
    from prozchain.prover.groth16.setup import toy_witness

    outside = current_backend().msm_prepare(Group.G2, [twist_point_outside_g2(random.Random(4))]).array
    b2 = key.b2.array.copy()
    b2[2] = outside[0]
    with pytest.raises(ProvingKeyError, match="B2"):
        prove(dataclasses.replace(key, b2=PreparedBases(Group.G2, b2)), toy_witness(3))


def test_mapped_sections_survive_page_release_and_one_shot_proofs(tmp_path, key: ZKey):
    """read_zkey drops the mapped pages of checked sections and a one-shot prove drops each
    section after its MSM: the data comes back from the file, so the key gives the same
    points and valid proofs again; arrays not backed by a file map are left alone."""
    from prozchain.relations.formats.container import release_pages
    from prozchain.prover.groth16.prover import prove
    from prozchain.prover.groth16.setup import toy_witness
    from prozchain.prover.groth16.verifier import verify

    path = tmp_path / "toy.zkey"
    write_zkey(path, key)
    mapped = read_zkey(path)
    before = [section.array.copy() for section in (mapped.a, mapped.b1, mapped.b2, mapped.c, mapped.h)]
    for _ in range(2):
        proof, public = prove(mapped, toy_witness(3), one_shot=True)
        assert verify(mapped.verification_key(), public, proof)
    for section, copy in zip((mapped.a, mapped.b1, mapped.b2, mapped.c, mapped.h), before):
        release_pages(section.array)
        assert np.array_equal(section.array, copy)
    plain = np.arange(4096, dtype=np.uint64)
    release_pages(plain)
    assert np.array_equal(plain, np.arange(4096, dtype=np.uint64))
