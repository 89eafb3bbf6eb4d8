"""A key read for one proof (``read_zkey(in_place=True)``, the CLI's path) and the G2 MSM beside
the G1 work: the same proofs as reading the key whole and proving step by step, the same clear
errors on malformed keys, and the file's pages not all resident at once."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import numpy as np
import pytest

from prozchain.bench.circuit_compile import Chain
from prozchain.native.curve import R, Group
from prozchain.native.kernels import COEF_DTYPE, PreparedBases, ints_to_array
from prozchain.prover.formats import zkey as zkey_format
from prozchain.prover.formats.zkey import ZKey, aligned, read_zkey, write_zkey
from prozchain.prover.groth16 import profile as profile_module
from prozchain.prover.groth16.profile import Profile, batch_msms
from prozchain.prover.groth16.prover import prove
from prozchain.prover.groth16.setup import constraint_system, dev_setup
from prozchain.relations.formats.container import FormatError


@pytest.fixture(scope="module")
def chain():
    """A 4,094-constraint chain, its witness and a development key (a 2.6 MB file)."""
    compiled = Chain(4094).compile()
    key = dev_setup(constraint_system(compiled.r1cs), seed=7)
    return key, ints_to_array(compiled.solve({"x": 5}), R)


def odd(key: ZKey) -> ZKey:
    """The same key with one coefficient record more or less (an extra one of value 0, which adds
    nothing to A): the file's sections start 12-byte headers apart, so a section is 4 bytes off
    8-byte alignment after an aligned one, and the parity of the record count picks which: A,
    B2 and H, or B1 and C."""
    return dataclasses.replace(key, coefficients=np.concatenate([key.coefficients, np.zeros(1, COEF_DTYPE)]))


SECTIONS = ("a", "b1", "b2", "c", "h")


@pytest.fixture
def unbatched(monkeypatch):
    """The chain's MSMs one by one (the G2 one beside the rest with overlap), as a domain above
    the batch's bound runs them."""
    monkeypatch.setattr(profile_module, "BATCH_MAX_DOMAIN", 0)


@pytest.fixture(scope="module")
def files(chain, tmp_path_factory) -> dict[str, Path]:
    key, _ = chain
    folder = tmp_path_factory.mktemp("keys")
    paths = {"even": folder / "even.zkey", "odd": folder / "odd.zkey"}
    write_zkey(paths["even"], key if len(key.coefficients) % 2 == 0 else odd(key))
    write_zkey(paths["odd"], odd(key) if len(key.coefficients) % 2 == 0 else key)
    return paths


def test_unaligned_sections_stay_in_place_and_are_copied_when_used(files):
    off = {}
    for layout, path in files.items():
        in_place, whole = read_zkey(path, in_place=True), read_zkey(path)
        off[layout] = {name for name in SECTIONS if getattr(in_place, name).array.ctypes.data % 8}
        for name in SECTIONS:
            section, ready = getattr(in_place, name), aligned(getattr(in_place, name))
            assert ready.array.ctypes.data % 8 == 0 and getattr(whole, name).array.ctypes.data % 8 == 0
            assert np.array_equal(ready.array, getattr(whole, name).array)
            assert (ready is section) == (name not in off[layout])  # aligned already: no copy
    assert {frozenset(o) for o in off.values()} == {frozenset({"a", "b2", "h"}), frozenset({"b1", "c"})}


@pytest.mark.parametrize("batch", [True, False])
@pytest.mark.parametrize("layout", ["even", "odd"])
def test_streamed_reading_and_overlap_give_the_same_proof(chain, files, layout, batch, monkeypatch):
    """Same blinding, same proof: the key held whole and proved step by step (today's path)
    against the key left in its file, read and copied a few points at a time, proved one-shot
    with the G2 MSM beside the G1 work."""
    key, witness = chain
    monkeypatch.setattr(zkey_format, "CHUNK", 100)  # many chunks, and chunk edges inside pages
    if not batch:
        monkeypatch.setattr(profile_module, "BATCH_MAX_DOMAIN", 0)
    steps = {"msms"} if batch_msms(key.domain_size) else {"msm_a", "msm_b1", "msm_b2", "msm_c", "msm_h"}
    proofs = []
    for in_place, one_shot, overlap in ((False, False, False), (True, True, True), (True, True, False),
                                        (False, False, True)):
        loaded = read_zkey(files[layout], check="all", in_place=in_place)
        profile = Profile()
        proofs.append(prove(loaded, witness, rng=random.Random(9), one_shot=one_shot, overlap=overlap,
                            profile=profile, self_check=True))
        assert set(profile.peak_rss_mib) >= {"abc", "ntt", *steps}
    assert proofs[0] == prove(key, witness, rng=random.Random(9), overlap=False)
    assert all(p == proofs[0] for p in proofs)


def test_profile_leaves_the_background_g2_msm_out_of_the_total(chain, unbatched):
    from prozchain.native.core import lib

    key, witness = chain
    profile = Profile()
    prove(key, witness, profile=profile, overlap=True)
    total = float(str(profile).rsplit("total ", 1)[1].split()[0]) / 1000
    if lib.pz_num_threads() > 1:
        assert profile.background == {"msm_b2"} and "wait_b2" in profile
        assert total == pytest.approx(sum(v for k, v in profile.items() if k != "msm_b2"), abs=1e-4)
    assert "process" in profile.memory()


def test_a_failing_g1_step_waits_for_the_g2_thread_and_restores_the_threads(chain, unbatched):
    from prozchain.native.core import lib

    key, witness = chain
    threads = lib.pz_num_threads()
    broken = dataclasses.replace(key, coefficients=key.coefficients.copy())
    broken.coefficients[5]["signal"] = key.n_vars  # qap_abc refuses it, while the G2 MSM runs
    with pytest.raises(Exception, match="record 5"):
        prove(broken, witness, overlap=True)
    assert lib.pz_num_threads() == threads


def test_malformed_unaligned_keys_are_named_with_the_point_across_chunks(chain, files, tmp_path, monkeypatch):
    key, _ = chain
    monkeypatch.setattr(zkey_format, "CHUNK", 100)
    h = key.h.array.copy()
    h[250, 0] ^= 1  # in the third chunk
    bad = tmp_path / "bad.zkey"
    write_zkey(bad, odd(dataclasses.replace(key, h=PreparedBases(Group.G1, h))))
    for in_place in (True, False):
        with pytest.raises(FormatError, match=r"bad.zkey: section type 9 \(H\): point 250: .*curve"):
            read_zkey(bad, in_place=in_place)
    records = key.coefficients.copy()
    records[5000]["signal"] = key.n_vars  # past the first chunks of records
    write_zkey(bad, dataclasses.replace(key, coefficients=records))
    with pytest.raises(FormatError, match=r"section type 4 \(coefficients\): record 5000: signal"):
        read_zkey(bad, in_place=True)
    data = files["odd"].read_bytes()
    for cut in (len(data) - 10, len(data) // 2, 100):
        short = tmp_path / "short.zkey"
        short.write_bytes(data[:cut])
        with pytest.raises(FormatError, match="short.zkey: "):
            read_zkey(short, in_place=True)


def _mapped_rss_kib(path: Path) -> int:
    """Resident KiB of this process's mappings of ``path`` (/proc/self/smaps)."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and len(fields) >= 5:  # a mapping's header line
            inside = len(fields) >= 6 and fields[-1] == str(path)
        elif inside and fields[0] == "Rss:":
            total += int(fields[1])
    return total


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="needs Linux's /proc/self/smaps")
def test_reading_and_a_one_shot_proof_keep_little_of_the_file_resident(chain, files, monkeypatch):
    """The key's sections are read a chunk at a time and each chunk's mapped pages dropped, and
    a one-shot proof drops each section after its MSM: afterwards little of the file is
    resident, whatever its size: the header, pages no chunk covers whole, and the pages the
    kernel maps around a touched one (fault-around, 64 KiB by default) past a section's end."""
    key, witness = chain
    monkeypatch.setattr(zkey_format, "CHUNK", 128)
    for layout in ("even", "odd"):
        path = files[layout].resolve()
        assert path.stat().st_size > 2 << 20  # the bound means something
        loaded = read_zkey(path, check="all", in_place=True)
        assert _mapped_rss_kib(path) <= 256, layout
        prove(loaded, witness, one_shot=True)
        assert _mapped_rss_kib(path) <= 256, layout
        del loaded
