"""An INSECURE development powers-of-tau: a prepared snarkjs ``.ptau`` made by one party.

**Whoever runs this knows tau, alpha and beta, and can forge proofs for every circuit keyed from
the file. It is for benchmarks and tests only, never for keys others must trust.** A real phase
1 is a multi-party ceremony (``snarkjs powersoftau new/contribute/beacon``, or a public file).

Knowing the secrets is also what makes it fast: each point is ``k * G`` for a known scalar
``k``, so every section, the Lagrange ones included, comes from the native fixed-base kernel
(``generator_multiples``) with no group FFT. The file is what ``snarkjs powersoftau new`` + one
``contribute`` + ``prepare phase2`` would write, and ``snarkjs powersoftau verify`` accepts it:

- sections 2-6: tau^i G1 (2^(p+1) - 1), tau^i G2, alpha tau^i G1, beta tau^i G1 (2^p each), beta G2;
- section 7: one contribution record: the five points above, its public key (for each secret
  x: g1_s = s G1, g1_sx = s x G1, g2_spx = x g2_sp with g2_sp snarkjs's hash-to-G2 of
  persona || previous challenge || g1_s || g1_sx, see :func:`g2_sp`), the partial response
  hash, the next challenge hash and the name;
- sections 12-15: the four series in the Lagrange basis of every domain 2^0 .. 2^p (and
  2^(p+1) for tau G1, whose last power is missing and counts as 0), as ``prepare phase2``
  lays them out: the basis of the domain of n points starts at point n - 1.

Hashes (blake2b-512 throughout, as snarkjs): the first challenge is that of the empty
accumulator (:func:`first_challenge_hash`); the next challenge is
H(response || every point of sections 2-6 uncompressed). snarkjs's own ``contribute`` takes the
response as H(challenge || the new points compressed || public key) and stores the hash
state taken just before the public key (the 216-byte ``partialHash``); ``verify`` only resumes
that state and absorbs the public key. Any blake2b state is a legitimate start, and we store
the state after absorbing the 64-byte previous challenge alone (:func:`partial_hash`), so our
response is H(challenge || public key): it binds the key to the challenge, and the points are
bound by the next challenge.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "dev.ptau")
>>> made = write_dev_ptau(path, 2, seed=1)
>>> from prozchain.prover.formats.ptau import read_ptau
>>> read_ptau(path).power, len(made.next_challenge)
(2, 64)
"""

from __future__ import annotations

import hashlib
import random
import secrets
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional, Sequence

import numpy as np
from tqdm import tqdm

from prozchain.native.backend import Backend
from prozchain.native.curve import P, R, Field, Group, Point
from prozchain.native.kernels import ints_to_array, prepare_bases
from prozchain.prover.backend import current_backend
from prozchain.prover.errors import DevPtauError
from prozchain.prover.formats.ptau import write_ptau
from prozchain.prover.twist import twist_point_from_x

WARNING = ("INSECURE development powers of tau: this process drew tau, alpha and beta itself, so anyone "
           "who ran it could forge proofs. Use the file for benchmarks and tests only.")
NAME = "prozchain dev (INSECURE)"
CHUNK = 1 << 16  # points per fixed-base kernel call (one progress step)
G2_COFACTOR = 2 * P - R  # the twist has order R (2P - R); ffjavascript clears it by this scalar
HALF_P = (P - 1) // 2
MONT_INV = pow(1 << 256, -1, P)
BLAKE2B_IV = (0x6A09E667F3BCC908, 0xBB67AE8584CAA73B, 0x3C6EF372FE94F82B, 0xA54FF53A5F1D36F1,
              0x510E527FADE682D1, 0x9B05688C2B3E6C1F, 0x1F83D9ABFB41BD6B, 0x5BE0CD19137E2179)


def blake2b(*parts: bytes) -> bytes:
    """blake2b-512 of the concatenation (snarkjs's ``blake2b.create({dkLen: 64})``)."""
    h = hashlib.blake2b(digest_size=64)
    for part in parts:
        h.update(part)
    return h.digest()


class ChaCha:
    """ffjavascript's ChaCha20 generator: 8 u32 seed words as the key, a zero nonce, the block
    counter in word 12; each block of 16 words is handed out in order.

    >>> [hex(ChaCha([0] * 8).next_u32()) for _ in range(1)]  # RFC 7539 A.1, first keystream word
    ['0xade0b876']
    """

    def __init__(self, seed: Sequence[int]):
        if len(seed) != 8:
            raise DevPtauError(f"ChaCha takes 8 u32 seed words, not {len(seed)}")
        self.state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574, *seed, 0, 0, 0, 0]
        self.block: list[int] = []
        self.index = 16

    @staticmethod
    def _quarter(x: list[int], a: int, b: int, c: int, d: int) -> None:
        for s, t, u, rot in ((a, b, d, 16), (c, d, b, 12), (a, b, d, 8), (c, d, b, 7)):
            x[s] = (x[s] + x[t]) & 0xFFFFFFFF
            v = x[u] ^ x[s]
            x[u] = ((v << rot) | (v >> (32 - rot))) & 0xFFFFFFFF

    def _refill(self) -> None:
        x = list(self.state)
        for _ in range(10):
            for q in ((0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
                      (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14)):
                self._quarter(x, *q)
        self.block = [(v + s) & 0xFFFFFFFF for v, s in zip(x, self.state)]
        self.index = 0
        for word in range(12, 16):  # a 128-bit counter, carried word by word
            self.state[word] = (self.state[word] + 1) & 0xFFFFFFFF
            if self.state[word]:
                break

    def next_u32(self) -> int:
        if self.index == 16:
            self._refill()
        self.index += 1
        return self.block[self.index - 1]

    def next_u64(self) -> int:
        return (self.next_u32() << 32) | self.next_u32()  # the first word is the high half

    def next_bool(self) -> bool:
        return bool(self.next_u32() & 1)


def fp_from_rng(rng: ChaCha) -> int:
    """ffjavascript's ``F1.fromRng``: four u64 (least significant first) masked to 254 bits,
    drawn again while >= P; the value is stored as a *Montgomery* limb pattern, so the element
    it stands for is v / 2^256."""
    while True:
        v = sum(rng.next_u64() << (64 * i) for i in range(4)) & ((1 << P.bit_length()) - 1)
        if v < P:
            return v * MONT_INV % P


def _is_negative(y: tuple[int, int]) -> bool:
    """ffjavascript's Fp2 sign: that of c1, or of c0 when c1 = 0 (negative: > (P-1)/2)."""
    return (y[1] if y[1] else y[0]) > HALF_P


def hash_to_g2(digest: bytes, backend: Optional[Backend] = None) -> Point:
    """snarkjs's ``keypair.hashToG2``: ChaCha seeded with the first 32 bytes (8 big-endian u32),
    then ``G2.fromRng``: x = (c0, c1) and a sign bit until x^3 + b' is a square, y the root
    whose sign is that bit, and the point times the cofactor 2P - R."""
    backend = backend or current_backend()
    rng = ChaCha(struct.unpack(">8I", digest[:32]))
    while True:
        x = (fp_from_rng(rng), fp_from_rng(rng))
        negative = rng.next_bool()
        point = twist_point_from_x(x)
        if point is not None:
            break
    y = point[1]
    if _is_negative(y) != negative:
        y = ((-y[0]) % P, (-y[1]) % P)
    return backend.g_mul(Group.G2, (x, y), G2_COFACTOR)


def uncompressed(group: Group, rows: np.ndarray, backend: Optional[Backend] = None) -> bytes:
    """Points in the file layout (Montgomery little-endian rows) as snarkjs's uncompressed
    bytes: each coordinate canonical big-endian (an Fp2 one as c1 then c0), infinity all zero."""
    backend = backend or current_backend()
    width = 16 * group.coords  # bytes per coordinate: 32 on G1, 64 (c0, c1) on G2
    canonical = backend.from_mont_array(Field.FP, rows.reshape(-1, 4))
    return canonical.view(np.uint8).reshape(rows.shape[0], 2, width)[:, :, ::-1].tobytes()


def g2_sp(persona: int, challenge: bytes, g1_s: np.ndarray, g1_sx: np.ndarray,
          backend: Optional[Backend] = None) -> Point:
    """snarkjs's ``keypair.getG2sp``: hash_to_g2(H(persona byte || challenge || g1_s || g1_sx)),
    the G1 points uncompressed; persona 0, 1, 2 for tau, alpha, beta."""
    return hash_to_g2(blake2b(bytes([persona]), challenge, uncompressed(Group.G1, g1_s, backend),
                              uncompressed(Group.G1, g1_sx, backend)), backend)


def first_challenge_hash(power: int) -> bytes:
    """snarkjs's ``calculateFirstChallengeHash``: H(H() || the empty accumulator's points
    uncompressed: 2^(p+1) - 1 G1 generators, 2^p G2, 2^p G1, 2^p G1, one G2)."""
    g1 = _generator_bytes(Group.G1)
    g2 = _generator_bytes(Group.G2)
    h = hashlib.blake2b(blake2b(), digest_size=64)
    for point, count in ((g1, (2 << power) - 1), (g2, 1 << power), (g1, 1 << power), (g1, 1 << power), (g2, 1)):
        block = point * min(count, CHUNK)
        for start in range(0, count, CHUNK):
            h.update(block[: len(point) * min(CHUNK, count - start)])
    return h.digest()


def _generator_bytes(group: Group) -> bytes:
    backend = current_backend()
    gen = backend.g1_generator() if group is Group.G1 else backend.g2_generator()
    return uncompressed(group, prepare_bases(group, [gen]).array)


def partial_hash(prefix: bytes) -> bytes:
    """The 216-byte blake2b-512 state snarkjs stores (``misc.toPartialHash``: @noble/hashes'
    128-byte buffer, the eight 64-bit chaining words as u32 pairs low first, then u64 counts
    length - pos and pos) after absorbing ``prefix`` of at most 128 bytes: noble compresses a
    block only when more input follows, so this is the initial state with ``prefix`` buffered.
    Resuming it and absorbing ``m`` gives blake2b(prefix || m)."""
    if len(prefix) > 128:
        raise DevPtauError(f"a prefix of {len(prefix)} bytes does not fit blake2b's 128-byte buffer")
    words = list(BLAKE2B_IV)
    words[0] ^= 0x01010040  # digest length 64, no key, fanout 1, depth 1
    return (prefix.ljust(128, b"\0") + b"".join(struct.pack("<Q", w) for w in words)
            + struct.pack("<QQ", 0, len(prefix)) + bytes(8))


@dataclass(frozen=True)
class DevPtau:
    """What :func:`write_dev_ptau` made. ``tau``, ``alpha``, ``beta`` are the toxic waste, kept
    because this file is insecure by design (tests check points against them)."""

    power: int
    tau: int
    alpha: int
    beta: int
    response_hash: bytes
    next_challenge: bytes


def powers(backend: Backend, x: int, count: int) -> np.ndarray:
    """x^0 .. x^(count-1) mod R as an ``(count, 4)`` array, by doubling with ``mul_array``."""
    out, step = ints_to_array([1]), x % R
    while out.shape[0] < count:
        out = np.concatenate([out, scale(backend, out, step)])
        step = step * step % R
    return out[:count]


def scale(backend: Backend, values: np.ndarray, k: int) -> np.ndarray:
    """Every row of a canonical Fr array times ``k``."""
    factor = np.ascontiguousarray(np.broadcast_to(ints_to_array([k % R]), values.shape))
    return backend.mul_array(Field.FR, values, factor)


def lagrange_basis(backend: Backend, tau_powers: np.ndarray, n: int, drop_last: bool = False) -> np.ndarray:
    """L_j(tau) for j < n over the domain of the n-th roots of unity: the inverse NTT of
    (tau^i)_(i<n), as ``prepare phase2`` inverse-FFTs the powers in the exponent. With
    ``drop_last`` tau^(n-1) counts as 0 (the tau G1 domain of 2^(p+1) has one point less)."""
    series = tau_powers[:n].copy()
    if drop_last:
        series[n - 1] = 0
    return backend.ntt_array(series, inverse=True)


def write_dev_ptau(path: str | Path, power: int, seed: Optional[int] = None, progress: bool = False,
                   backend: Optional[Backend] = None) -> DevPtau:
    """Write an INSECURE prepared ``.ptau`` of ``power`` (1 <= power <= 27) to ``path``;
    ``seed`` makes it reproducible (tests), else the secrets come from the OS. ``progress``
    shows a tqdm bar over the points."""
    if not 1 <= power <= 27:
        raise DevPtauError(f"power {power} is out of range: 1 <= power <= 27 (the tau G1 domain of 2^(power+1) "
                           f"points must fit Fr's 2-adicity 28)")
    backend = backend or current_backend()
    rng = random.Random(seed) if seed is not None else secrets.SystemRandom()
    tau, alpha, beta, s_tau, s_alpha, s_beta = (rng.randrange(1, R) for _ in range(6))
    n = 1 << power
    tau_powers = powers(backend, tau, 2 * n)
    lagrange = np.concatenate([lagrange_basis(backend, tau_powers, 1 << q) for q in range(power + 1)])
    lagrange_g1 = np.concatenate([lagrange, lagrange_basis(backend, tau_powers, 2 * n, drop_last=True)])
    bar = tqdm(total=15 * n - 4, unit="pt", disable=not progress, desc=f"dev ptau 2^{power}")

    def points(group: Group, scalars: np.ndarray) -> Iterator[np.ndarray]:
        for start in range(0, scalars.shape[0], CHUNK):
            chunk = backend.generator_multiples(group, scalars[start:start + CHUNK]).array
            bar.update(chunk.shape[0])
            yield chunk

    def rows(group: Group, scalars: list[int]) -> list[np.ndarray]:  # a few points, one kernel call
        out = backend.generator_multiples(group, ints_to_array([k % R for k in scalars])).array
        return [out[i:i + 1] for i in range(len(scalars))]

    challenge = first_challenge_hash(power)
    g1_keys = rows(Group.G1, [k for s, x in ((s_tau, tau), (s_alpha, alpha), (s_beta, beta)) for k in (s, s * x)])
    g2_keys = []
    for persona, x in enumerate((tau, alpha, beta)):
        sp = g2_sp(persona, challenge, g1_keys[2 * persona], g1_keys[2 * persona + 1], backend)
        g2_keys.append(prepare_bases(Group.G2, [backend.g_mul(Group.G2, sp, x)]).array)
    response = blake2b(challenge, *(uncompressed(Group.G1, k, backend) for k in g1_keys),
                       *(uncompressed(Group.G2, k, backend) for k in g2_keys))
    challenger = hashlib.blake2b(response, digest_size=64)

    def hashed(group: Group, scalars: np.ndarray) -> Iterator[np.ndarray]:
        for chunk in points(group, scalars):
            challenger.update(uncompressed(group, chunk, backend))
            yield chunk

    def contributions() -> Iterator[bytes]:  # consumed after sections 2-6 went through `hashed`
        (tau1, alpha1, beta1), (tau2, beta2) = rows(Group.G1, [tau, alpha, beta]), rows(Group.G2, [tau, beta])
        record = [tau1, tau2, alpha1, beta1, beta2]
        name = NAME.encode()
        yield struct.pack("<I", 1)
        yield b"".join(r.tobytes() for r in record + g1_keys + g2_keys)
        yield partial_hash(challenge) + challenger.digest()
        yield struct.pack("<II", 0, 2 + len(name)) + bytes([1, len(name)]) + name

    with bar:
        write_ptau(path, power, [
            (2, hashed(Group.G1, tau_powers[: 2 * n - 1])),
            (3, hashed(Group.G2, tau_powers[:n])),
            (4, hashed(Group.G1, scale(backend, tau_powers[:n], alpha))),
            (5, hashed(Group.G1, scale(backend, tau_powers[:n], beta))),
            (6, hashed(Group.G2, ints_to_array([beta]))),
            (7, contributions()),
            (12, points(Group.G1, lagrange_g1)),
            (13, points(Group.G2, lagrange)),
            (14, points(Group.G1, scale(backend, lagrange, alpha))),
            (15, points(Group.G1, scale(backend, lagrange, beta))),
        ])
    return DevPtau(power, tau, alpha, beta, response, challenger.digest())
