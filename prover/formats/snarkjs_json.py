"""snarkjs's JSON files for Groth16: ``proof.json``, ``public.json``, ``verification_key.json``.

Numbers are decimal strings, and only the canonical ones snarkjs writes are read: ASCII digits,
no sign, no leading zero ("0" for zero), below the field's modulus. snarkjs 0.7 reads more
(``"01"``, ``"0x1"``, ``"1 "``, ``""`` for 0, JSON numbers, which lose precision above 2^53), so
one statement would have many texts, and readers could disagree on some. G1 points are ``[x, y,
z]`` and G2 points ``[[x0, x1], [y0, y1], [z0, z1]]`` with Fp2 elements as ``[c0, c1]`` (real
part first); snarkjs writes affine points (z = 1) and ``z = 0`` for infinity, and a point with
another z is read as Jacobian, as ffjavascript does. Every point read is validated (canonical,
on the curve, in the subgroup), and a verification key must not be degenerate (see
:func:`prozchain.prover.groth16.keys.degenerate`); a problem raises :class:`JSONFormatError` naming the
file, the field and what is wrong. :func:`read_json` bounds what it reads (size, nesting,
number length), so a hostile file is an error like any other.

>>> from prozchain.prover.groth16.simulate import toy_key_and_proof
>>> vk, public, proof = toy_key_and_proof()
>>> proof_from_json(proof_to_json(proof)) == proof
True
>>> verification_key_from_json(verification_key_to_json(vk)) == vk
True
>>> public_from_json(["3", "12"])
[3, 12]
>>> proof_from_json({"pi_a": ["1", "3", "1"]}, source="p.json")
Traceback (most recent call last):
...
prozchain.relations.errors.JSONFormatError: p.json: protocol: missing (expected "groth16")
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Sequence, Union

from prozchain.native.curve import ATE_X, P, R, Group
from prozchain.native.errors import InvalidPointError
from prozchain.prover.backend import current_backend
from prozchain.prover.curve import G1Point, G2Point
from prozchain.prover.formats.proof_json import g1_json, g2_json, proof_json
from prozchain.relations.errors import JSONFormatError
from prozchain.relations.formats.bounded_json import read_json
from prozchain.prover.groth16.keys import Proof, VerificationKey, degenerate

PathLike = Union[str, Path]

CANONICAL = re.compile(r"0|[1-9][0-9]*")  # [0-9], not \d: \d also matches non-ASCII digits


# lambda = 2x(6x^2 + 3x + 1), x the BN parameter: ffjavascript's pairing is ours to this power
SNARKJS_GT_EXPONENT = 2 * ATE_X * (6 * ATE_X**2 + 3 * ATE_X + 1)


def _show(value: Any) -> str:
    """``value`` as JSON on one line, cut short: error messages quote what a file holds."""
    text = json.dumps(value)
    return text if len(text) <= 90 else f"{text[:80]}... ({len(text)} characters)"


def _number(value: Any, where: str, bound: int, source: str) -> int:
    if not isinstance(value, str):
        raise JSONFormatError(f"{source}: {where}: expected a decimal string, got {_show(value)}")
    if not CANONICAL.fullmatch(value):
        raise JSONFormatError(f"{source}: {where}: {_show(value)} is not a canonical decimal field element")
    if len(value) > len(str(bound)) or int(value) >= bound:  # the length test first: int() of any length
        raise JSONFormatError(f"{source}: {where}: {_show(value)} is not below the modulus {bound}")
    return int(value)


def _list(value: Any, length: int, where: str, source: str) -> list:
    if not isinstance(value, list) or len(value) != length:
        raise JSONFormatError(f"{source}: {where}: expected a list of {length}, got {_show(value)}")
    return value


def _fp2(value: Any, where: str, source: str) -> tuple[int, int]:
    c0, c1 = _list(value, 2, where, source)
    return _number(c0, where + "[0]", P, source), _number(c1, where + "[1]", P, source)


def g1_from_json(value: Any, where: str = "point", source: str = "<json>") -> G1Point:
    x, y, z = (_number(c, f"{where}[{i}]", P, source) for i, c in enumerate(_list(value, 3, where, source)))
    return _validated(G1Point, Group.G1, (x, y, z), 1, 0, where, source)


def g2_from_json(value: Any, where: str = "point", source: str = "<json>") -> G2Point:
    x, y, z = (_fp2(c, f"{where}[{i}]", source) for i, c in enumerate(_list(value, 3, where, source)))
    return _validated(G2Point, Group.G2, (x, y, z), (1, 0), (0, 0), where, source)


def _validated(cls, group: Group, xyz: tuple, one: Any, zero: Any, where: str, source: str):
    x, y, z = xyz
    try:
        if z == zero:
            return cls.infinity()
        if z != one:
            (affine,) = current_backend().batch_to_affine(group, [xyz])
            if affine is None:
                return cls.infinity()
            x, y = affine
        return cls.from_affine(x, y)
    except InvalidPointError as exc:
        raise JSONFormatError(f"{source}: {where}: {exc}") from None


def g1_to_json(point: G1Point) -> list[str]:
    return g1_json(point.affine)


def g2_to_json(point: G2Point) -> list[list[str]]:
    return g2_json(point.affine)


def _header(obj: Any, source: str) -> dict:
    if not isinstance(obj, dict):
        raise JSONFormatError(f"{source}: expected a JSON object, got {type(obj).__name__}")
    for key, expected in (("protocol", "groth16"), ("curve", "bn128")):
        if key not in obj:
            raise JSONFormatError(f'{source}: {key}: missing (expected "{expected}")')
        if obj[key] != expected:
            raise JSONFormatError(f'{source}: {key}: {_show(obj[key])} is not supported (expected "{expected}")')
    return obj


def _field(obj: dict, key: str, source: str) -> Any:
    if key not in obj:
        raise JSONFormatError(f"{source}: {key}: missing")
    return obj[key]


# -- proof.json ---------------------------------------------------------------------------------
def proof_from_json(obj: Any, source: str = "proof.json") -> Proof:
    obj = _header(obj, source)
    return Proof(g1_from_json(_field(obj, "pi_a", source), "pi_a", source),
                 g2_from_json(_field(obj, "pi_b", source), "pi_b", source),
                 g1_from_json(_field(obj, "pi_c", source), "pi_c", source))


def proof_to_json(proof: Proof) -> dict:
    return proof_json(proof.a.affine, proof.b.affine, proof.c.affine)


# -- public.json --------------------------------------------------------------------------------
def public_from_json(obj: Any, source: str = "public.json") -> list[int]:
    if not isinstance(obj, list):
        raise JSONFormatError(f"{source}: expected a list of decimal strings, got {type(obj).__name__}")
    return [_number(v, f"[{i}]", R, source) for i, v in enumerate(obj)]


def public_to_json(values: Sequence[int]) -> list[str]:
    return [str(v) for v in values]


# -- verification_key.json ----------------------------------------------------------------------
def verification_key_from_json(obj: Any, source: str = "verification_key.json") -> VerificationKey:
    obj = _header(obj, source)
    ic = _field(obj, "IC", source)
    if not isinstance(ic, list) or not ic:
        raise JSONFormatError(f"{source}: IC: expected a non-empty list of G1 points")
    vk = VerificationKey(
        g1_from_json(_field(obj, "vk_alpha_1", source), "vk_alpha_1", source),
        g2_from_json(_field(obj, "vk_beta_2", source), "vk_beta_2", source),
        g2_from_json(_field(obj, "vk_gamma_2", source), "vk_gamma_2", source),
        g2_from_json(_field(obj, "vk_delta_2", source), "vk_delta_2", source),
        tuple(g1_from_json(p, f"IC[{i}]", source) for i, p in enumerate(ic)),
    )
    if degenerate(vk):
        raise JSONFormatError(f"{source}: {degenerate(vk)}")
    if "nPublic" in obj and obj["nPublic"] != vk.n_public:
        raise JSONFormatError(f"{source}: nPublic: {_show(obj['nPublic'])} but IC has {len(ic)} points "
                              f"(nPublic + 1 expected)")
    return vk


def verification_key_to_json(vk: VerificationKey) -> dict:
    from prozchain.native.backend import fp12_to_tower  # here: reading and writing proofs needs no numpy

    # snarkjs writes e(alpha, beta) in tower form as ffjavascript computes it: its final
    # exponentiation (Fuentes-Castaneda et al.) yields our pairing to the power SNARKJS_GT_EXPONENT.
    tower = fp12_to_tower((vk.alpha_beta ** SNARKJS_GT_EXPONENT).coeffs)
    alphabeta = [[[str(tower[6 * h + 2 * j + k]) for k in range(2)] for j in range(3)] for h in range(2)]
    return {
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": vk.n_public,
        "vk_alpha_1": g1_to_json(vk.alpha),
        "vk_beta_2": g2_to_json(vk.beta),
        "vk_gamma_2": g2_to_json(vk.gamma),
        "vk_delta_2": g2_to_json(vk.delta),
        "vk_alphabeta_12": alphabeta,
        "IC": [g1_to_json(p) for p in vk.ic],
    }


# -- files --------------------------------------------------------------------------------------
def read_proof(path: PathLike) -> Proof:
    return proof_from_json(read_json(path), str(path))


def read_public(path: PathLike) -> list[int]:
    return public_from_json(read_json(path), str(path))


def read_verification_key(path: PathLike) -> VerificationKey:
    return verification_key_from_json(read_json(path), str(path))
