"""Decoding JSON a client sent, without letting its shape hurt the server.

Three checks, each an :class:`~ragloom.errors.ArgumentError` (101) that leaves nothing changed:

1. Before parsing, one pass over the text with its strings removed refuses nesting deeper
   than ``max_json_depth`` (Python's parser, pydantic and the JSON columns all recurse once
   per level, and a deep enough value ends in ``RecursionError``), arrays or objects of more
   than ``max_json_items`` members (each id of a list becomes one bound SQL variable) and
   bodies of more than ``max_json_total_items`` members in all (decoded, each costs about
   a hundred bytes: a 16 MB body of empty arrays would take 700 MB).
2. While parsing, integers outside 64 bits and numbers that are not finite (``NaN``,
   ``Infinity``, ``1e999``) are refused: no column can store them and no code expects them.
3. After parsing, strings holding an unpaired surrogate (``"\\ud800"``) are refused: they
   cannot be encoded as UTF-8, so storing or answering with them would fail later. So are
   strings holding NUL (``"\\u0000"``): no PostgreSQL text can hold it, and refusing it on every
   backend keeps their answers alike.

Text that is not JSON at all raises ``ValueError``, so each body regime words it its own way.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from ragloom.errors import ArgumentError
from ragloom.integers import INT64_MAX, INT64_MIN, fits_int64
from ragloom.settings import LimitSettings

_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_STRUCTURE = bytes(sorted(set(range(256)) - set(b"[]{},")))
_OPENERS = frozenset(b"[{")
_COMMA = ord(",")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NUL = "\x00"
# "-9223372036854775808" is the longest literal that can fit (JSON forbids leading zeros).
_LONGEST_INT64 = len(str(INT64_MIN))


def too_deep(limit: int) -> ArgumentError:
    return ArgumentError(f"JSON is nested deeper than the limit of {limit} levels.")


def too_many_items(limit: int) -> ArgumentError:
    return ArgumentError(f"A JSON array or object has more than the limit of {limit} items.")


def too_many_in_all(limit: int) -> ArgumentError:
    return ArgumentError(f"The JSON value has more than the limit of {limit} items in all.")


def check_structure(data: bytes, limits: LimitSettings) -> None:
    """Refuse JSON text nested too deep, with too many members in one array or object, or
    with too many in all.

    Only brackets and commas outside strings are looked at: a pass over the bytes in C, then
    a loop over the structure that stops at the first excess.
    """
    structure = _STRINGS.sub(b"", data).translate(None, _NOT_STRUCTURE)
    separators = structure.count(b",")
    if separators + structure.count(b"[") + structure.count(b"{") > limits.max_json_total_items:
        raise too_many_in_all(limits.max_json_total_items)
    if len(structure) <= limits.max_json_depth and separators < limits.max_json_items:
        return
    open_commas: list[int] = []  # commas seen so far in each open array or object
    for byte in structure:
        if byte == _COMMA:
            if open_commas:
                open_commas[-1] += 1
                if open_commas[-1] >= limits.max_json_items:
                    raise too_many_items(limits.max_json_items)
        elif byte in _OPENERS:
            open_commas.append(0)
            if len(open_commas) > limits.max_json_depth:
                raise too_deep(limits.max_json_depth)
        elif open_commas:
            open_commas.pop()


def _integer(literal: str) -> int:
    if len(literal) > _LONGEST_INT64 or not fits_int64(value := int(literal)):
        raise ArgumentError(f"Integers must lie between {INT64_MIN} and {INT64_MAX}.")
    return value


def _finite(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ArgumentError("Numbers must be finite.")
    return value


def _constant(literal: str) -> float:
    raise ArgumentError(f"Numbers must be finite: {literal} is not accepted.")


def _refuse_unstorable_strings(value: Any) -> None:
    """Walk ``value`` without recursion; raise at the first string holding a lone surrogate or NUL."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not item.isascii() and _SURROGATE.search(item):
                raise ArgumentError("Strings must not contain unpaired surrogates (\\ud800 to \\udfff).")
            if _NUL in item:
                raise ArgumentError("Strings must not contain the NUL character (\\u0000).")
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def decode_json(raw: bytes | str, limits: LimitSettings) -> Any:
    """The JSON value of ``raw`` (bytes in UTF-8, -16 or -32, as :func:`json.loads` takes them)."""
    if isinstance(raw, bytes):
        encoding = json.detect_encoding(raw)
        text = raw.decode(encoding)  # strict: bytes that are not text are malformed JSON
        data = raw if encoding == "utf-8" else text.encode("utf-8", "surrogatepass")
    else:
        text, data = raw, raw.encode("utf-8", "surrogatepass")
    check_structure(data, limits)
    value = json.loads(text, parse_int=_integer, parse_float=_finite, parse_constant=_constant)
    if "\\u" in text or _SURROGATE.search(text):  # escaped, or in text that was never UTF-8
        _refuse_unstorable_strings(value)
    return value
