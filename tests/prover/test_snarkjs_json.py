"""snarkjs's JSON files from outside: only canonical decimal strings, bounded reading, and keys
that cannot accept false statements. Each malformed file makes ``prozchain groth16 verify``
exit 2 with one line on stderr naming the file and the field."""

from __future__ import annotations

import json
import re
import time

import pytest

import prozchain.prover.formats.snarkjs_json as snarkjs_json
from prozchain.cli import main
from prozchain.native.curve import R, Field
from prozchain.prover import G1Point, G2Point
from prozchain.prover.errors import InvalidVerificationKey
from prozchain.relations.errors import JSONFormatError
from prozchain.prover.formats.snarkjs_json import (proof_to_json, public_from_json, public_to_json, read_public,
                                                   verification_key_from_json, verification_key_to_json)
from prozchain.relations.formats import bounded_json
from prozchain.relations.formats.bounded_json import read_json, write_json
from prozchain.prover.groth16 import Trapdoor, VerificationKey, batch_verify, verify


@pytest.fixture(scope="module")
def statement():
    trapdoor = Trapdoor.random(n_public=2, seed=27)
    return trapdoor.verification_key(), [7, 0], trapdoor.prove([7, 0], seed=1)


@pytest.fixture
def files(statement, tmp_path):
    """A valid vk.json, public.json and proof.json in ``tmp_path``."""
    vk, public, proof = statement
    write_json(tmp_path / "vk.json", verification_key_to_json(vk))
    write_json(tmp_path / "public.json", public_to_json(public))
    write_json(tmp_path / "proof.json", proof_to_json(proof))
    return tmp_path


def verify_cli(capsys, d, vk="vk.json", public="public.json", proof="proof.json") -> tuple[int, str]:
    """The exit code of ``prozchain groth16 verify`` and its stderr, checked to be one line."""
    code = main(["groth16", "verify", str(d / vk), str(d / public), str(d / proof)])
    err = capsys.readouterr().err
    if code == 2:
        assert len(err.strip().splitlines()) == 1, err
    return code, err


NON_CANONICAL = ["+1", " 1", "1 ", "0001", "01", "1_000_000", "-0", "-1", "\uff11", "0x1", "1e6", "1.0", ""]


@pytest.mark.parametrize("text", NON_CANONICAL)
def test_only_canonical_decimal_strings_are_numbers(text):
    with pytest.raises(JSONFormatError, match=r"public\.json: \[1\]: .* is not a canonical decimal field element"):
        public_from_json(["5", text])


@pytest.mark.parametrize("value", [1, 0, 1.0, True, None, [1]])
def test_json_numbers_and_other_values_are_not_field_elements(value):
    # snarkjs reads small JSON numbers, but above 2^53 they lose precision in JavaScript
    with pytest.raises(JSONFormatError, match=r"public\.json: \[0\]: expected a decimal string"):
        public_from_json([value])


def test_canonical_strings_below_the_modulus_are_read():
    assert public_from_json(["0", "1", str(R - 1)]) == [0, 1, R - 1]
    for text in (str(R), "9" * 77, "1" * 5000):
        with pytest.raises(JSONFormatError, match="is not below the modulus"):
            public_from_json([text])


def test_long_values_are_cut_short_in_messages():
    with pytest.raises(JSONFormatError) as info:
        public_from_json(["1" * 5000])
    assert len(str(info.value)) < 300 and "(5002 characters)" in str(info.value)


def test_read_json_turns_every_hostile_file_into_its_error(tmp_path, monkeypatch):
    cases = {
        "digits.json": ("[" + "1" * 5000 + "]", "a JSON number of 5000 characters"),
        "deep.json": ("[" * 100_000 + "]" * 100_000, "nested deeper than 16"),
        "nan.json": ('["1", NaN]', "NaN is not a JSON value"),
        "infinity.json": ("[-Infinity]", "-Infinity is not a JSON value"),
        "latin1.json": (b'["\xe9"]', "not UTF-8"),
        "broken.json": ('{"a": [1, 2}', "not valid JSON"),
        # unterminated strings full of escaped quotes: the depth scan stays linear
        "escapes.json": ('["' + '\\"' * 200_000, "not valid JSON"),
    }
    for name, (text, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        start = time.perf_counter()
        with pytest.raises(JSONFormatError, match=rf"{name}: .*{message}"):
            read_json(path)
        assert time.perf_counter() - start < 2, name
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(JSONFormatError, match=r"dir\.json: cannot read \(Is a directory\)"):
        read_json(tmp_path / "dir.json")
    with pytest.raises(JSONFormatError, match="no such file"):
        read_json(tmp_path / "missing.json")
    monkeypatch.setattr(bounded_json, "MAX_JSON_BYTES", 1 << 20)
    (tmp_path / "big.json").write_text("[" + '"0",' * (1 << 18) + '"0"]')
    with pytest.raises(JSONFormatError, match=r"big\.json: larger than 1 MiB"):
        read_json(tmp_path / "big.json")


def test_brackets_in_strings_do_not_count_as_nesting(tmp_path):
    (tmp_path / "s.json").write_text(json.dumps(["[" * 100 + '\\"{', {"k": "]]]"}]))
    assert read_json(tmp_path / "s.json") == ["[" * 100 + '\\"{', {"k": "]]]"}]


def test_verify_command_exits_2_with_one_line_for_each_malformed_file(files, capsys):
    assert verify_cli(capsys, files)[0] == 0
    good_public = (files / "public.json").read_text()
    cases = {
        '["' + "1" * 5000 + '", "0"]': r"\[0\]: .* is not below the modulus",
        "[" + "1" * 5000 + ', "0"]': "a JSON number of 5000 characters",
        "[" * 100_000 + "]" * 100_000: "nested deeper",
        '["0007", "0"]': r'\[0\]: "0007" is not a canonical decimal field element',
        '["7", "-0"]': r'\[1\]: "-0" is not a canonical decimal field element',
        '["7", 0]': r"\[1\]: expected a decimal string, got 0",
        '["7"]': "the key takes 2 public inputs, got 1",
    }
    for text, message in cases.items():
        (files / "public.json").write_text(text)
        code, err = verify_cli(capsys, files)
        assert code == 2 and "public.json: " in err and re.search(message, err), err
    (files / "public.json").write_text(good_public)
    (files / "dir").mkdir()
    code, err = verify_cli(capsys, files, proof="dir")
    assert code == 2 and "dir: cannot read (Is a directory)" in err


def point_at_infinity_in(vk_json: dict, field: Field) -> dict:
    g1, g2 = G1Point.infinity(), G2Point.infinity()
    if field.startswith("IC"):
        ic = list(vk_json["IC"])
        ic[int(field[3])] = snarkjs_json.g1_to_json(g1)
        return dict(vk_json, IC=ic)
    return dict(vk_json, **{field: snarkjs_json.g1_to_json(g1) if field.endswith("_1") else snarkjs_json.g2_to_json(g2)})


def test_degenerate_verification_keys_are_refused(statement, files, capsys):
    vk, public, proof = statement
    good = verification_key_to_json(vk)
    cases = [
        ("alpha is the point at infinity", point_at_infinity_in(good, "vk_alpha_1")),
        ("beta is the point at infinity", point_at_infinity_in(good, "vk_beta_2")),
        ("gamma is the point at infinity", point_at_infinity_in(good, "vk_gamma_2")),
        ("delta is the point at infinity", point_at_infinity_in(good, "vk_delta_2")),
        (r"IC\[0\] is the point at infinity", point_at_infinity_in(good, "IC[0]")),
        (r"IC\[2\] is the point at infinity \(any value of public input 1 would verify\)",
         point_at_infinity_in(good, "IC[2]")),
        ("gamma = delta or -delta", dict(good, vk_delta_2=good["vk_gamma_2"])),
        ("gamma = delta or -delta", dict(good, vk_delta_2=snarkjs_json.g2_to_json(-vk.gamma))),
    ]
    for message, vk_json in cases:
        with pytest.raises(JSONFormatError, match=rf"^vk\.json: {message}"):
            verification_key_from_json(vk_json, source="vk.json")
        write_json(files / "vk.json", vk_json)
        code, err = verify_cli(capsys, files)
        assert code == 2 and "vk.json: " in err, err
    # the bug: with IC[1] at infinity, a proof of [7, 0] also held for [8, 0]
    bad = VerificationKey(vk.alpha, vk.beta, vk.gamma, vk.delta, (vk.ic[0], G1Point.infinity(), vk.ic[2]))
    for check in (lambda: verify(bad, [8, 0], proof), lambda: batch_verify(bad, [([8, 0], proof)])):
        with pytest.raises(InvalidVerificationKey, match=r"IC\[1\] is the point at infinity"):
            check()


def test_read_public_names_the_file(tmp_path):
    (tmp_path / "p.json").write_text('["1", "+2"]')
    with pytest.raises(JSONFormatError, match=r'p\.json: \[1\]: "\+2" is not a canonical'):
        read_public(tmp_path / "p.json")
