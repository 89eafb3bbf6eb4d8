"""JSON files from outside, read with bounds: a file of strict JSON (no NaN, no Infinity) of at
most ``MAX_JSON_BYTES``, nested at most ``MAX_DEPTH`` deep, with numbers of at most
``MAX_NUMBER_CHARS`` characters; anything else is a :class:`JSONFormatError` naming the file.
snarkjs's proof, public and key files and a circuit's input file are all read this way.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "input.json"
>>> write_json(path, {"a": ["3", 4]}); read_json(path)
{'a': ['3', 4]}
>>> _ = path.write_text('{"a": NaN}'); read_json(path)
Traceback (most recent call last):
...
prozchain.relations.errors.JSONFormatError: ...input.json: not valid JSON: NaN is not a JSON value
"""

from __future__ import annotations

import json
import os
import re
from functools import partial
from typing import Any, Union

from prozchain.relations.errors import JSONFormatError

PathLike = Union[str, os.PathLike]  # os's, not pathlib's Path: a one-shot proof imports no pathlib

MAX_JSON_BYTES = 64 << 20  # a verification key of about 250,000 public inputs
MAX_DEPTH = 16  # snarkjs's files nest 4 deep (vk_alphabeta_12 in its object)
MAX_NUMBER_CHARS = 80  # more than any field element; keeps int() below Python's 4,300-digit limit
# A JSON string, escapes included; an unterminated one runs to the end of the text. So the pattern
# matches at every quote and never backtracks: stripping strings stays linear in hostile text.
STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)


def read_json(path: PathLike) -> Any:
    """The JSON value in the file at ``path``. Anything that is not a file of strict JSON (no NaN,
    no Infinity) of at most ``MAX_JSON_BYTES``, nested at most ``MAX_DEPTH`` deep, with numbers
    of at most ``MAX_NUMBER_CHARS`` characters, is a :class:`JSONFormatError` naming the file."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_JSON_BYTES + 1)  # bounded: the path may be a device or a pipe
    except FileNotFoundError:
        raise JSONFormatError(f"{path}: no such file") from None
    except OSError as exc:
        raise JSONFormatError(f"{path}: cannot read ({exc.strerror})") from None
    return parse_json(data, path)


def parse_json(data: bytes, path: PathLike = "<json>") -> Any:
    """The JSON value in ``data`` (bytes received rather than read from a file), under
    :func:`read_json`'s bounds; ``path`` names the source in errors.

    >>> parse_json(b'["1", "27"]')
    ['1', '27']
    >>> parse_json(b'[' * 20 + b']' * 20, "request")
    Traceback (most recent call last):
    ...
    prozchain.relations.errors.JSONFormatError: request: arrays and objects nested deeper than 16
    """
    if len(data) > MAX_JSON_BYTES:
        raise JSONFormatError(f"{path}: larger than {MAX_JSON_BYTES >> 20} MiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JSONFormatError(f"{path}: not valid JSON: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    if _depth(text) > MAX_DEPTH:
        raise JSONFormatError(f"{path}: arrays and objects nested deeper than {MAX_DEPTH}")
    try:
        return json.loads(text, parse_int=partial(_integer, path), parse_constant=partial(_constant, path))
    except json.JSONDecodeError as exc:
        raise JSONFormatError(f"{path}: not valid JSON: {exc}") from None


def _depth(text: str) -> int:
    """How deep arrays and objects nest in ``text``, brackets inside strings aside. Counted
    before parsing, without recursion: the json module recurses once per level."""
    import numpy as np  # here, not at the top: writing JSON (a one-shot proof's output) needs none

    outside = np.frombuffer(STRING.sub("", text).encode(), np.uint8)
    opens = (outside == ord("[")) | (outside == ord("{"))
    closes = (outside == ord("]")) | (outside == ord("}"))
    steps = opens[opens | closes].astype(np.int64) * 2 - 1
    return int(np.cumsum(steps).max()) if len(steps) else 0


def _integer(path: PathLike, text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise JSONFormatError(f"{path}: a JSON number of {len(text)} characters (snarkjs writes field "
                              f"elements as decimal strings)")
    return int(text)


def _constant(path: PathLike, name: str) -> Any:
    raise JSONFormatError(f"{path}: not valid JSON: {name} is not a JSON value")


def write_json(path: PathLike, obj: Any) -> None:
    with open(path, "w") as f:
        f.write(json.dumps(obj, indent=1) + "\n")
