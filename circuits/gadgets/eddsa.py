"""EdDSA over Baby Jubjub with Poseidon, compatible with circomlibjs ``signPoseidon``/``verifyPoseidon``.

Keys: a 32-byte private key ``k``; ``h = BLAKE-512(k)``; the scalar ``s`` is ``h[0:32]`` pruned
(low 3 bits cleared, bit 255 cleared, bit 254 set) read little-endian, and the public key is
``A = (s >> 3) * BASE8``. Signing ``msg`` (a field element): ``r = BLAKE-512(h[32:64] ||
msg as 32 LE bytes) mod l``, ``R8 = r * BASE8``, ``hm = Poseidon(R8.x, R8.y, A.x, A.y, msg)``,
``S = r + hm * s mod l``. Verifying: ``S < l`` and ``S * BASE8 == R8 + (8 * hm) * A``.

Constraint count of ``verify_gadget``: 5904 = on-curve checks 8, S's bits 252 and its bound 250,
S * BASE8 1250, Poseidon(5) 321, 8A 15 and its x != 0 1, canonical bits of hm 508, (8A) * hm
3291, the final addition 6, the equality 2.

>>> key = bytes(range(32))
>>> pub = public_key(key)
>>> sig = sign(key, 1234)
>>> verify(1234, sig, pub), verify(1235, sig, pub)
(True, False)
"""

from __future__ import annotations

from dataclasses import dataclass

from prozchain.native.curve import R

from prozchain.circuits.api import assert_equal, assert_nonzero, gadget
from prozchain.circuits.gadgets import babyjub
from prozchain.circuits.gadgets.babyjub import BASE8, SUBORDER, Point
from prozchain.circuits.gadgets.bits import assert_bits_below, to_bits, to_bits_strict
from prozchain.circuits.gadgets.blake512 import blake512
from prozchain.circuits.gadgets.poseidon import poseidon, poseidon_hash
from prozchain.circuits.lc import Value

S_BITS = SUBORDER.bit_length()  # 251


@dataclass(frozen=True)
class Signature:
    R8: Point
    S: int


def _scalar(private_key: bytes) -> tuple[int, bytes]:
    h = blake512(private_key)
    pruned = bytearray(h[:32])
    pruned[0] &= 0xF8
    pruned[31] &= 0x7F
    pruned[31] |= 0x40
    return int.from_bytes(pruned, "little"), h


def public_key(private_key: bytes) -> Point:
    """circomlibjs ``prv2pub``."""
    s, _ = _scalar(private_key)
    return babyjub.mul(BASE8, s >> 3)


def message_hash(r8: Point, a: Point, msg: int) -> int:
    return poseidon_hash([r8[0], r8[1], a[0], a[1], msg])


def sign(private_key: bytes, msg: int) -> Signature:
    """circomlibjs ``signPoseidon``: the signature of the field element ``msg``."""
    s, h = _scalar(private_key)
    a = babyjub.mul(BASE8, s >> 3)
    r = int.from_bytes(blake512(h[32:] + (msg % R).to_bytes(32, "little")), "little") % SUBORDER
    r8 = babyjub.mul(BASE8, r)
    return Signature(r8, (r + message_hash(r8, a, msg) * s) % SUBORDER)


def verify(msg: int, sig: Signature, a: Point) -> bool:
    """circomlibjs ``verifyPoseidon``."""
    if not (babyjub.on_curve(sig.R8) and babyjub.on_curve(a)) or not 0 <= sig.S < SUBORDER:
        return False
    left = babyjub.mul(BASE8, sig.S)
    right = babyjub.add(sig.R8, babyjub.mul(a, 8 * message_hash(sig.R8, a, msg)))
    return left == right


@gadget("eddsa_poseidon_verify")
def verify_gadget(msg: Value, a: tuple[Value, Value], r8: tuple[Value, Value], s: Value) -> None:
    """Constrain ``(r8, s)`` to be a valid signature of ``msg`` by ``a``: 5904 constraints."""
    babyjub.assert_on_curve(a)
    babyjub.assert_on_curve(r8)
    s_bits = to_bits(s, S_BITS)
    assert_bits_below(s_bits, SUBORDER)  # S + l would verify too: refuse non-canonical S
    left = babyjub.mul_fixed(s_bits, BASE8)
    hm = poseidon([r8[0], r8[1], a[0], a[1], msg])
    a8 = babyjub.double_gadget(babyjub.double_gadget(babyjub.double_gadget(a)))
    # A of small order would make 8A the identity and any signature valid: its x must not be 0.
    assert_nonzero(a8[0])
    right = babyjub.add_gadget(r8, babyjub.mul_var(to_bits_strict(hm), a8))
    assert_equal(left[0], right[0])
    assert_equal(left[1], right[1])
