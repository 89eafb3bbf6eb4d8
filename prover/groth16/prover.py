"""Groth16 proving from a snarkjs ``.zkey`` and a witness, the way snarkjs computes it.

With witness w (w_0 = 1), fresh random r and s, and the key's points:

    A-evaluations, B-evaluations  = the zkey's sparse coefficients applied to w (domain of size n)
    h                             = (A * B - C) on the odd coset w_2n * <w_n>   (C = A * B on the domain)
    pi_a  = alpha_1 + sum_i w_i A_i + r delta_1
    pi_b  = beta_2  + sum_i w_i B2_i + s delta_2          (and the same in G1 with B1: b1)
    pi_c  = sum_(i > nPublic) w_i C_i + sum_j h_j H_j + s pi_a + r b1 - r s delta_1

Everything bulk stays in numpy arrays handed to the kernels: the QAP (``qap_abc``), the six NTTs
(``qap_h``), four G1 MSMs and one G2 MSM over the zkey's point sections as they lie in the file.
The public signals are w_1 .. w_nPublic.

>>> import os, tempfile
>>> from prozchain.prover.formats.zkey import write_zkey
>>> from prozchain.prover.groth16 import verify
>>> from prozchain.prover.groth16.setup import dev_setup, toy_r1cs, toy_witness
>>> key = dev_setup(toy_r1cs(), seed=1)
>>> proof, public = prove(key, toy_witness(3))
>>> public, verify(key.verification_key(), public, proof)
([27], True)
"""

from __future__ import annotations

import os
import random
import secrets
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence, Union

import numpy as np

from prozchain.native.backend import Backend
from prozchain.native.curve import R, Group, root_of_unity
from prozchain.native.kernels import PreparedBases, array_to_ints
from prozchain.prover.backend import current_backend
from prozchain.prover.curve import G1Point, G2Point
from prozchain.prover.errors import ProvingKeyError, SelfCheckError
from prozchain.relations.errors import WitnessError
from prozchain.relations.formats.container import first_not_below, release_pages
from prozchain.relations.formats.wtns import read_wtns_array
from prozchain.prover.formats.zkey import KeyCheck, ZKey, aligned, read_zkey
from prozchain.prover.groth16.keys import Proof
from prozchain.prover.groth16.profile import Beside, Profile, batch_msms, split_threads
from prozchain.prover.groth16.verifier import pairing_equation_holds

if TYPE_CHECKING:
    from prozchain.prover.groth16.satisfaction import KeyCircuit

CACHE_SIZE = 4


_cache: "OrderedDict[tuple, ZKey]" = OrderedDict()


def load_key(path: Union[str, Path], check: KeyCheck = "all") -> ZKey:
    """``read_zkey`` with a small cache keyed by (path, size, mtime, check): proving many
    witnesses with one key reads and validates its point sections once."""
    stat = os.stat(path)
    key = (os.path.realpath(path), stat.st_size, stat.st_mtime_ns, check)
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    zkey = read_zkey(path, check=check)
    _cache[key] = zkey
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return zkey


def read_witness(path: Union[str, Path]) -> np.ndarray:
    """A ``.wtns`` file's witness as the ``(n, 4)`` array the kernels take."""
    return read_wtns_array(path)


def check_witness(key: ZKey, witness: np.ndarray) -> np.ndarray:
    """The witness as a C-contiguous ``(nVars, 4)`` array, or a :class:`WitnessError`."""
    w = np.ascontiguousarray(witness, dtype=np.uint64)
    if w.ndim != 2 or w.shape[1] != 4:
        raise WitnessError(f"witness must be an (n, 4) uint64 array, not shape {w.shape}")
    if len(w) != key.n_vars:
        raise WitnessError(f"witness has {len(w)} values, the key has nVars = {key.n_vars}")
    bad = first_not_below(w, R)
    if bad >= 0:
        raise WitnessError(f"witness value {bad} is not below r")
    if array_to_ints(w[:1]) != [1]:
        raise WitnessError(f"witness value 0 is {array_to_ints(w[:1])[0]}, not the constant 1")
    return w


def _g1(affine) -> G1Point:
    return G1Point._of(affine)  # a kernel's result from validated bases: no need to re-check


def _g2(affine) -> G2Point:
    return G2Point._of(affine)


def prove(key: ZKey, witness: np.ndarray, backend: Optional[Backend] = None,
          profile: Optional[Profile] = None, one_shot: bool = False,
          rng: Optional[random.Random] = None, circuit: Optional["KeyCircuit"] = None,
          self_check: bool = False, overlap: bool = False) -> tuple[Proof, list[int]]:
    """A proof and the public signals for ``witness`` (an ``(nVars, 4)`` uint64 array) under
    ``key``, with fresh blinding r, s. ``profile`` (if given) collects seconds per step.
    ``circuit`` (:func:`prozchain.prover.groth16.satisfaction.key_circuit`, from the .r1cs): refuse a
    witness that violates a constraint, naming the first. ``self_check``: verify the proof
    under the key's verification key before returning it (:class:`SelfCheckError` if it fails;
    about four pairings, a fraction of a percent of a proof at 2^16).
    ``rng`` draws r and s instead of the operating system's randomness: only for replayable
    simulations, since a predictable r or s reveals the witness (the proof is no longer
    zero-knowledge).
    ``one_shot``: the key is used once (the CLI), so each memory-mapped section's pages are
    dropped after its step and only the sections in use count toward peak memory.
    ``overlap`` (C core, two threads or more): the G2 MSM runs on its own thread with half the
    OpenMP threads, beside the QAP, the NTTs and the G1 MSMs on the other half (not for a domain
    whose MSMs run as one batch, see batch_msms); the G1 side
    takes every thread back once the G2 MSM is done. The proof is the same either way; off by
    default, as no gain was measured (2^20 chains on a loaded 2-core machine) for about 300 MiB
    more peak memory there."""
    backend = backend or current_backend()
    profile = profile if profile is not None else Profile()
    done = release_pages if one_shot else (lambda _: None)
    w = check_witness(key, witness)

    def msm(name: str, bases: PreparedBases, scalars: np.ndarray, background: bool = False):
        with profile.step(name, background):
            point = backend.msm_prepared(aligned(bases), scalars)  # an unaligned copy is freed here
            done(bases.array)
            return point

    # a small domain's five MSMs run side by side in one batch (C core: see batch_msms), after
    # the transforms; otherwise one by one, in the order that bounds memory
    batch = backend.name == "c" and batch_msms(key.domain_size)
    g1_threads, g2_threads = split_threads(overlap and backend.name == "c" and not batch)  # only the C core overlaps
    b2 = Beside(lambda: msm("msm_b2", key.b2, w, background=True), g2_threads, g1_threads) if g2_threads else None
    step_done = b2.step_done if b2 else (lambda: None)
    try:
        # alone, the G2 MSM goes first and H right after its transforms (see oneshot._msms): the
        # largest section is never resident beside H and the twiddles, nor H beside the others;
        # last when a witness the circuit refuses must cost no MSM
        b2_first = b2 is None and circuit is None and not batch
        pb2 = _g2(msm("msm_b2", key.b2, w)) if b2_first else None
        with profile.step("abc"):
            a, b = backend.qap_abc(key.coefficients, w, key.domain_size, release=done)  # the section part by part
        if circuit is not None:
            with profile.step("r1cs"):
                circuit.check(a, b, w, backend)
        step_done()
        with profile.step("ntt"):
            log = key.domain_size.bit_length() - 1
            h = backend.qap_h(a, b, root_of_unity(log + 1), consume=True)  # transformed in place, not copied
            del a, b  # only H goes on: at 2^18 they are 16 MiB that the MSMs can use
        step_done()
        if batch:
            with profile.step("msms"):
                sections = (key.b2, key.h, key.a, key.b1, key.c)
                pb2, ph, pa, pb1, pc = backend.msm_batch([(aligned(bases), scalars) for bases, scalars in zip(
                    sections, (w, h, w, w, w[key.n_public + 1:]))])
                for bases in sections:
                    done(bases.array)
            pb2, ph, pa, pb1, pc = _g2(pb2), _g1(ph), _g1(pa), _g1(pb1), _g1(pc)
        else:
            ph = _g1(msm("msm_h", key.h, h))
            del h
            step_done()
            pa = _g1(msm("msm_a", key.a, w))
            step_done()
            pb1 = _g1(msm("msm_b1", key.b1, w))
            step_done()
            pc = _g1(msm("msm_c", key.c, w[key.n_public + 1:]))
        if b2 is not None:
            with profile.step("wait_b2"):
                pb2 = _g2(b2.result())
        elif not b2_first and not batch:
            pb2 = _g2(msm("msm_b2", key.b2, w))
    finally:
        if b2 is not None:
            b2.close()
    # a B2 point outside G2 (a key read with check="sample") would leak the witness through
    # the cofactor part of pi_b: refuse rather than publish it
    if pb2.affine is not None and not backend.in_subgroup(Group.G2, pb2.affine):
        raise ProvingKeyError("the B2 MSM is not in G2: the key's B2 section holds points outside G2")
    with profile.step("combine"):
        draw = rng.randrange if rng is not None else secrets.randbelow
        r, s = draw(R), draw(R)
        pi_a = pa + key.alpha1 + key.delta1 * r
        pi_b = pb2 + key.beta2 + key.delta2 * s
        b1 = pb1 + key.beta1 + key.delta1 * s
        pi_c = pc + ph + pi_a * s + b1 * r - key.delta1 * (r * s % R)
    proof, public = Proof(pi_a, pi_b, pi_c), array_to_ints(w[1:key.n_public + 1])
    if self_check:
        with profile.step("verify"):
            if not pairing_equation_holds(key.verification_key(), public, proof):
                raise SelfCheckError("the proof did not verify under the key's own verification key: the witness "
                                     "does not satisfy the circuit, or the key is corrupted")
    return proof, public


def prove_many(key: Union[ZKey, str, Path], witnesses: Sequence[np.ndarray], backend: Optional[Backend] = None,
               profile: Optional[Profile] = None, parallel: int = 1,
               self_check: bool = False) -> list[tuple[Proof, list[int]]]:
    """One proof per witness with the same key, in the witnesses' order: the key (a path is read
    once, see :func:`load_key`) stays prepared across them, its bases never converted again.

    ``parallel`` > 1 (C core only): that many proofs at a time, each on one thread of its own,
    instead of each proof split across every core: small proofs' kernels split poorly (on a
    shared 2-core machine at load 4-6, 2^12 chain proofs went from 1.38 to 1.70 per second,
    medians of 5; measure on yours).
    ``self_check``: verify each proof before returning it (see :func:`prove`).

    >>> from prozchain.prover.groth16.setup import dev_setup, toy_r1cs, toy_witness
    >>> key = dev_setup(toy_r1cs(), seed=1)
    >>> [public for _, public in prove_many(key, [toy_witness(x) for x in (2, 3, 4)], parallel=2)]
    [[8], [27], [64]]
    """
    zkey = key if isinstance(key, ZKey) else load_key(key)
    backend = backend or current_backend()
    if parallel <= 1:
        return [prove(zkey, w, backend, profile, self_check=self_check) for w in witnesses]
    from concurrent.futures import ThreadPoolExecutor

    from prozchain.native.core import lib

    # OpenMP's thread count is per calling thread: this sets it for the pool's threads only
    with ThreadPoolExecutor(max_workers=parallel, initializer=lib.pz_set_threads, initargs=(1,)) as pool:
        return list(pool.map(lambda w: prove(zkey, w, backend, self_check=self_check), witnesses))
