"""A Groth16 verifier contract in Solidity for one verification key, with snarkjs's interface.

``solidity_verifier(vk)`` is what ``prozchain zkey export solidityverifier`` writes: a contract
``Groth16Verifier`` whose ``verifyProof(uint[2] _pA, uint[2][2] _pB, uint[2] _pC, uint[n]
_pubSignals) view returns (bool)`` accepts the arguments snarkjs's verifier accepts, in the same
order, so a dApp can swap one for the other. The key is compiled into the code as constants.

The contract computes vk_x = IC_0 + sum s_i IC_i through the EIP-196 precompiles, refusing a
public signal s_i that is not below r (a value v + r would otherwise verify as v); then the
EIP-197 pairing check e(-A, B) e(alpha, beta) e(vk_x, gamma) e(C, delta) = 1. A coordinate that
is not a canonical field element, or a point off the curve or outside G2, makes a precompile
fail, and the proof is refused (``false``, never a revert, as snarkjs's verifier does).

``solidity_calldata(proof, public)`` prints the arguments as ``snarkjs zkey export
soliditycalldata`` does (G2 coordinates in the EVM's order: imaginary part first).

>>> from prozchain.prover.groth16.simulate import toy_key_and_proof
>>> vk, public, proof = toy_key_and_proof()
>>> source = solidity_verifier(vk)
>>> "function verifyProof(uint[2] calldata _pA, uint[2][2] calldata _pB, uint[2] calldata _pC, uint[1] calldata _pubSignals)" in source
True
>>> solidity_calldata(proof, public).count("0x")
9
"""

from __future__ import annotations

from typing import Sequence

from prozchain.native.curve import P, R
from prozchain.native.errors import ProzError
from prozchain.prover.curve import G1Point, G2Point
from prozchain.prover.groth16.keys import Proof, VerificationKey, degenerate


class SolidityExportError(ProzError, ValueError):
    """A verification key that no Solidity verifier can serve."""


def g1_words(point: G1Point) -> list[int]:
    """A G1 point as the EVM precompiles take it: (x, y), infinity as (0, 0)."""
    return [0, 0] if point.is_infinity else list(point.affine)


def g2_words(point: G2Point) -> list[int]:
    """A G2 point in EIP-197's order: x_im, x_re, y_im, y_re; infinity as four zeros."""
    if point.is_infinity:
        return [0, 0, 0, 0]
    (x_re, x_im), (y_re, y_im) = point.affine
    return [x_im, x_re, y_im, y_re]


def proof_words(proof: Proof) -> list[int]:
    """The 8 words of a proof: A (x, y), B (x_im, x_re, y_im, y_re), C (x, y)."""
    return g1_words(proof.a) + g2_words(proof.b) + g1_words(proof.c)


def proof_from_words(words: Sequence[int]) -> Proof:
    """The :class:`Proof` of 8 words as :func:`proof_words` writes them (a rollup posts these):
    each point validated, so words that are no proof raise ``InvalidPointError`` naming the
    failed check (or ``SolidityExportError`` for a wrong count).

    >>> from prozchain.prover.groth16.simulate import toy_key_and_proof
    >>> _, _, proof = toy_key_and_proof()
    >>> proof_from_words(proof_words(proof)) == proof
    True
    """
    if len(words) != 8:
        raise SolidityExportError(f"a proof is 8 words, got {len(words)}")
    a_x, a_y, b_x_im, b_x_re, b_y_im, b_y_re, c_x, c_y = (int(w) for w in words)

    def g1(x: int, y: int) -> G1Point:
        return G1Point.infinity() if x == y == 0 else G1Point.from_affine(x, y)

    b = (G2Point.infinity() if b_x_im == b_x_re == b_y_im == b_y_re == 0
         else G2Point.from_affine((b_x_re, b_x_im), (b_y_re, b_y_im)))
    return Proof(g1(a_x, a_y), b, g1(c_x, c_y))


def _hex(value: int) -> str:
    return f"0x{value:064x}"


def solidity_calldata(proof: Proof, public: Sequence[int]) -> str:
    """``verifyProof``'s arguments as snarkjs prints them, to the character: ``[a],[[b]],[c],[public]``."""
    w = [_hex(x) for x in proof_words(proof)]
    signals = ",".join(f'"{_hex(int(s))}"' for s in public)
    return (f'["{w[0]}", "{w[1]}"],[["{w[2]}", "{w[3]}"],["{w[4]}", "{w[5]}"]],'
            f'["{w[6]}", "{w[7]}"],[{signals}]')


def _constants(name: str, words: list[int], parts: Sequence[str]) -> list[str]:
    return [f"    uint256 constant {name}_{part} = {word};" for part, word in zip(parts, words)]


def solidity_verifier(vk: VerificationKey, contract: str = "Groth16Verifier") -> str:
    """The Solidity source of a verifier for ``vk`` (see the module's text for what it checks); a
    :class:`SolidityExportError` for a degenerate key or one without public inputs."""
    problem = degenerate(vk)
    if problem:
        raise SolidityExportError(f"the verification key is degenerate ({problem}): a contract for it would "
                                  "accept forged proofs")
    n = vk.n_public
    if n == 0:
        raise SolidityExportError("the verification key has no public inputs; snarkjs's verifier interface "
                                  "(uint[n] _pubSignals) needs at least one")
    g2_parts = ("X_IM", "X_RE", "Y_IM", "Y_RE")
    constants = [*_constants("ALPHA", g1_words(vk.alpha), "XY"),
                 *_constants("BETA", g2_words(vk.beta), g2_parts),
                 *_constants("GAMMA", g2_words(vk.gamma), g2_parts),
                 *_constants("DELTA", g2_words(vk.delta), g2_parts)]
    for i, point in enumerate(vk.ic):
        constants += _constants(f"IC{i}", g1_words(point), "XY")
    accumulate = "\n".join(
        f"        (ok, x, y) = _mulAdd(ok, x, y, IC{i + 1}_X, IC{i + 1}_Y, _pubSignals[{i}]);" for i in range(n))
    return f"""// SPDX-License-Identifier: MIT
// Generated by prozchain zkey export solidityverifier: a Groth16 verifier over BN254 for one key.
pragma solidity >=0.8.4 <0.9.0;

contract {contract} {{
    // the scalar field (public signals live here) and the base field (coordinates live here)
    uint256 constant R = {R};
    uint256 constant P = {P};

{chr(10).join(constants)}

    /// True when the proof (A, B, C) verifies for the public signals; false for anything else.
    function verifyProof(uint[2] calldata _pA, uint[2][2] calldata _pB, uint[2] calldata _pC, uint[{n}] calldata _pubSignals) public view returns (bool) {{
        if (_pA[1] >= P) return false;  // negating A needs a canonical y
        bool ok = true;
        uint256 x = IC0_X;
        uint256 y = IC0_Y;
{accumulate}
        if (!ok) return false;
        uint256[24] memory input = [
            _pA[0], _pA[1] == 0 ? 0 : P - _pA[1], _pB[0][0], _pB[0][1], _pB[1][0], _pB[1][1],
            ALPHA_X, ALPHA_Y, BETA_X_IM, BETA_X_RE, BETA_Y_IM, BETA_Y_RE,
            x, y, GAMMA_X_IM, GAMMA_X_RE, GAMMA_Y_IM, GAMMA_Y_RE,
            _pC[0], _pC[1], DELTA_X_IM, DELTA_X_RE, DELTA_Y_IM, DELTA_Y_RE
        ];
        uint256 product;
        assembly {{
            ok := staticcall(gas(), 8, input, 768, 0, 32)
            product := mload(0)
        }}
        return ok && product == 1;
    }}

    // (x, y) + s * (px, py) through the EIP-196 precompiles; ok turns false if either fails, or if
    // s is not below r (a public signal v + r would otherwise verify as v).
    // The calls run in scratch memory above the free-memory pointer, which they do not move:
    // allocating arrays per call (abi.encode) would cost each public input about 2,000 gas more.
    function _mulAdd(bool ok, uint256 x, uint256 y, uint256 px, uint256 py, uint256 s) private view returns (bool, uint256, uint256) {{
        if (!ok || s >= R) return (false, 0, 0);
        assembly {{
            let m := mload(0x40)
            mstore(m, px)
            mstore(add(m, 32), py)
            mstore(add(m, 64), s)
            ok := staticcall(gas(), 7, m, 96, add(m, 64), 64)  // s * (px, py) lands after (x, y)
            mstore(m, x)
            mstore(add(m, 32), y)
            ok := and(ok, staticcall(gas(), 6, m, 128, m, 64))
            x := mload(m)
            y := mload(add(m, 32))
        }}
        return (ok, x, y);
    }}
}}
"""
