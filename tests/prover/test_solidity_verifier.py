"""The exported Solidity verifier on a real EVM: compiled by solc (npm, pinned), run on py-evm.

Judged beside snarkjs's own exported verifier for the same key: both contracts must accept our
proofs and snarkjs's, refuse every tampered one, and agree on every call; our calldata must be
snarkjs's to the character. The gas of both, and of the reference L1's verifier contract, is
printed (`pytest -s`)."""

from __future__ import annotations

import pytest

from prozchain.native.curve import P, R
from prozchain.cli import main
from prozchain.prover.formats.snarkjs_json import read_proof, read_public, read_verification_key
from prozchain.prover.groth16.keys import VerificationKey
from prozchain.prover.solidity import SolidityExportError, proof_words, solidity_verifier
from tests import js_oracles
from tests.prover.conftest import Circuit, snarkjs

pytest.importorskip("eth", reason="py-evm is a test dependency (pip install -e '.[test]')")

from prozchain.testing.evm import EVM, Outcome, compile_solidity, verify_proof_calldata as calldata  # noqa: E402


def execution_gas(outcome: Outcome, data: bytes) -> int:
    """The call's own gas: the transaction's less 21,000 and the calldata (EIP-2028 prices)."""
    return outcome.gas_used - 21_000 - sum(16 if byte else 4 for byte in data)


@pytest.fixture(scope="module")
def rig(cube: Circuit, tmp_path_factory):
    """Both verifiers deployed, with our proof and snarkjs's of the same witness."""
    d = tmp_path_factory.mktemp("solidity")
    zkey, wtns = cube.path(".zkey"), cube.path(".wtns")
    assert main(["zkey", "export", "solidityverifier", str(zkey), str(d / "ours.sol")]) == 0
    snarkjs("zkey", "export", "solidityverifier", str(zkey), str(d / "snarkjs.sol"), cwd=d)
    assert main(["groth16", "prove", str(zkey), str(wtns), str(d / "our_proof.json"), str(d / "public.json")]) == 0
    snarkjs("groth16", "prove", str(zkey), str(wtns), str(d / "snarkjs_proof.json"), str(d / "snarkjs_public.json"),
            cwd=d)
    evm = EVM()
    contracts = {name: evm.deploy(compile_solidity((d / f"{name}.sol").read_text(), js_oracles.tool("solcjs"))
                                  ["Groth16Verifier"]["bytecode"])
                 for name in ("ours", "snarkjs")}
    return evm, contracts, d


def ask(rig, words_: list[int], public: list[int]) -> dict[str, bool]:
    """Each contract's answer; neither may revert (a refusal is ``false``)."""
    evm, contracts, _ = rig
    answers = {}
    for name, address in contracts.items():
        outcome = evm.transact(address, calldata(len(public), words_, public))
        assert outcome.success, f"{name}'s verifier reverted"
        answers[name] = int.from_bytes(outcome.output, "big") == 1
    return answers


@pytest.mark.parametrize("who", ["our", "snarkjs"])
def test_both_verifiers_accept_both_provers_proofs(rig, who):
    d = rig[2]
    public = read_public(d / ("public.json" if who == "our" else "snarkjs_public.json"))
    assert ask(rig, proof_words(read_proof(d / f"{who}_proof.json")), public) == {"ours": True, "snarkjs": True}


def tampered_cases(words_: list[int], public: list[int]) -> list[tuple[str, list[int], list[int]]]:
    cases = [(f"proof word {i} + 1", words_[:i] + [(w + 1) % P] + words_[i + 1:], public) for i, w in enumerate(words_)]
    cases += [(f"proof word {i} + p (not canonical)", words_[:i] + [w + P] + words_[i + 1:], public)
              for i, w in enumerate(words_) if w + P < 2**256]
    cases += [(f"public {j} + 1", words_, public[:j] + [(s + 1) % R] + public[j + 1:]) for j, s in enumerate(public)]
    cases += [(f"public {j} + r (the same value mod r)", words_, public[:j] + [s + R] + public[j + 1:])
              for j, s in enumerate(public)]
    cases += [("A and C swapped", words_[6:8] + words_[2:6] + words_[0:2], public),
              ("B's coordinates in snarkjs JSON order (real part first)",
               words_[:2] + [words_[3], words_[2], words_[5], words_[4]] + words_[6:], public),
              ("A at infinity", [0, 0] + words_[2:], public)]
    return cases


def test_tampered_proofs_and_public_inputs_are_refused_by_both(rig):
    d = rig[2]
    words_, public = proof_words(read_proof(d / "our_proof.json")), read_public(d / "public.json")
    for what, bad_words, bad_public in tampered_cases(words_, public):
        assert ask(rig, bad_words, bad_public) == {"ours": False, "snarkjs": False}, what


def test_calldata_is_snarkjs_calldata(rig):
    d = rig[2]
    ours = [line for line in _run_main(["zkey", "export", "soliditycalldata", str(d / "snarkjs_public.json"),
                                        str(d / "snarkjs_proof.json")]).splitlines() if line]
    theirs = snarkjs("zkey", "export", "soliditycalldata", "snarkjs_public.json", "snarkjs_proof.json", cwd=d)
    assert ours == [line for line in theirs.splitlines() if line]


def _run_main(argv: list[str]) -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(argv) == 0
    return out.getvalue()


def test_gas_of_our_verifier_snarkjs_and_the_reference_l1(rig, cube: Circuit):
    """Our contract costs what snarkjs's does, within 1% (the pairing's 181,000 gas is nine tenths
    of either); the reference L1's verifier contract is printed beside them for the docs."""
    from prozchain.rollup.l1 import Chain, Key
    from prozchain.rollup.l1.verifier import verifier_contract

    evm, contracts, d = rig
    words_, public = proof_words(read_proof(d / "our_proof.json")), read_public(d / "public.json")
    data = calldata(len(public), words_, public)
    outcomes = {name: evm.transact(address, data) for name, address in contracts.items()}
    me = Key.from_seed(b"gas")
    chain = Chain({me.address: 10**18})
    address, _ = chain.deploy(me, verifier_contract(read_verification_key(cube.path("_vk.json"))))
    receipt = chain.transact(me, address, "verify", public, words_, gas_limit=1_000_000)
    assert receipt.status, receipt.error
    print(f"\nGroth16 verification gas, {len(public)} public inputs (transaction / execution without 21,000 and "
          f"calldata): ours {outcomes['ours'].gas_used:,} / {execution_gas(outcomes['ours'], data):,}, snarkjs "
          f"{outcomes['snarkjs'].gas_used:,} / {execution_gas(outcomes['snarkjs'], data):,}; reference L1 contract "
          f"{receipt.gas_used:,} (transaction)")
    assert outcomes["ours"].gas_used <= 1.01 * outcomes["snarkjs"].gas_used


def test_degenerate_keys_are_not_exported(cube: Circuit):
    """gamma = delta (snarkjs's keys before any phase-2 contribution) or an IC point at infinity
    would let forged proofs verify: no contract is written for such a key."""
    good = read_verification_key(cube.path("_vk.json"))
    infinity = good.ic[0] * 0
    for bad in (VerificationKey(good.alpha, good.beta, good.delta, good.delta, good.ic),
                VerificationKey(good.alpha, good.beta, good.gamma, good.delta, good.ic[:1] + (infinity,) + good.ic[2:])):
        with pytest.raises(SolidityExportError, match="degenerate"):
            solidity_verifier(bad)
