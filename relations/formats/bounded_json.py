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

import os
from functools import partial

from prozchain.relations.errors import JSONFormatError

# json and re are imported where a file is read: writing a proof (a one-shot proof's output)
# needs neither, and typing's flag is spelled out for the same reason (together 5 ms of its start)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

PathLike = str | os.PathLike  # os's, not pathlib's Path: a one-shot proof imports no pathlib

MAX_JSON_BYTES = 64 << 20  # a verification key of about 250,000 public inputs
MAX_DEPTH = 16  # snarkjs's files nest 4 deep (vk_alphabeta_12 in its object)
MAX_NUMBER_CHARS = 80  # more than any field element; keeps int() below Python's 4,300-digit limit
# A JSON string, escapes included; an unterminated one runs to the end of the text. So the pattern
# matches at every quote and never backtracks: stripping strings stays linear in hostile text.
# Compiled (and cached by re) at the first read: writing JSON, a one-shot proof's output, needs none.
STRING = r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)'


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
    import json

    try:
        return json.loads(text, parse_int=partial(_integer, path), parse_constant=partial(_constant, path))
    except json.JSONDecodeError as exc:
        raise JSONFormatError(f"{path}: not valid JSON: {exc}") from None


def _depth(text: str) -> int:
    """How deep arrays and objects nest in ``text``, brackets inside strings aside. Counted
    before parsing, without recursion: the json module recurses once per level."""
    import re

    import numpy as np  # here, not at the top: writing JSON (a one-shot proof's output) needs none

    outside = np.frombuffer(re.sub(STRING, "", text, flags=re.DOTALL).encode(), np.uint8)
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
    """Write ``obj`` to ``path`` as ``json.dumps(obj, indent=1)`` writes it, and a newline."""
    with open(path, "w") as f:
        f.write(dumps(obj) + "\n")


def dumps(obj: Any) -> str:
    """``json.dumps(obj, indent=1)``, byte for byte; snarkjs's files (objects and arrays of
    strings of printable ASCII) are written here without importing json, anything else by json.

    >>> print(dumps({"pi_a": ["1", "2"], "protocol": "groth16", "empty": []}))
    {
     "pi_a": [
      "1",
      "2"
     ],
     "protocol": "groth16",
     "empty": []
    }
    """
    text = _plain(obj, "\n")
    if text is None:
        import json

        text = json.dumps(obj, indent=1)
    return text


def _plain(obj: Any, newline: str) -> str | None:
    """``obj`` as json.dumps with ``indent=1`` writes it at the depth ``newline`` indents to, or
    None if it holds anything but dicts with string keys, lists, and strings that json writes
    as they are (printable ASCII without quotes or backslashes)."""
    if type(obj) is str:
        return f'"{obj}"' if obj.isascii() and obj.isprintable() and '"' not in obj and "\\" not in obj else None
    if type(obj) is dict:
        items = [(_plain(key, newline), _plain(value, newline + " ")) for key, value in obj.items()]
        if any(key is None or value is None for key, value in items):
            return None
        return "{" + ",".join(f"{newline} {key}: {value}" for key, value in items) + newline + "}" if items else "{}"
    if type(obj) is list:
        items = [_plain(value, newline + " ") for value in obj]
        if None in items:
            return None
        return "[" + ",".join(f"{newline} {value}" for value in items) + newline + "]" if items else "[]"
    return None
