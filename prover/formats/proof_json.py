"""proof.json's points as snarkjs writes them, from affine coordinates (``None``: infinity).

Kept free of the point classes and of numpy, so the one-shot ``groth16 prove`` writes its proof
with the same code as :func:`prozchain.prover.formats.snarkjs_json.proof_to_json` without their
imports.

>>> proof_json((1, 2), None, (1, 2))["pi_b"]
[['0', '0'], ['1', '0'], ['0', '0']]
"""

from __future__ import annotations

# builtin generics, not typing's: a one-shot proof imports no typing (3 ms of its start)
G1Affine = tuple[int, int] | None
G2Affine = tuple[tuple[int, int], tuple[int, int]] | None


def g1_json(affine: G1Affine) -> list[str]:
    """A G1 point in projective form with z = 1, as snarkjs writes it (infinity: 0, 1, 0)."""
    if affine is None:
        return ["0", "1", "0"]
    x, y = affine
    return [str(x), str(y), "1"]


def g2_json(affine: G2Affine) -> list[list[str]]:
    """A G2 point's coordinates over Fp2 (c0, c1) with z = 1 (infinity: 0, 1, 0)."""
    if affine is None:
        return [["0", "0"], ["1", "0"], ["0", "0"]]
    (x0, x1), (y0, y1) = affine
    return [[str(x0), str(x1)], [str(y0), str(y1)], ["1", "0"]]


def proof_json(a: G1Affine, b: G2Affine, c: G1Affine) -> dict:
    """proof.json's object for the proof (A, B, C)."""
    return {"pi_a": g1_json(a), "pi_b": g2_json(b), "pi_c": g1_json(c), "protocol": "groth16", "curve": "bn128"}
